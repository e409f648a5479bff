"""How the same child's name is written differently by different systems.

Short forms and nicknames (William -> Will), alternative spellings of the same name
(Mohammed / Muhammad), and pairs of similar names that parents give to twins.
"""

from __future__ import annotations

_SHORT_FORMS = """
William: Will Bill Billy Liam | Elizabeth: Beth Liz Lizzie Eliza Betsy | Alexander: Alex Xander
Aleksander: Alex Olek | Aleksandra: Ola Alex | Alexandra: Alex Lexi Sasha | Robert: Rob Bobby Robbie
Thomas: Tom Tommy | James: Jamie Jim | Joshua: Josh | Benjamin: Ben Benji | Samuel: Sam Sammy
Daniel: Dan Danny | Matthew: Matt | Nathaniel: Nate Nathan | Frederick: Freddie Fred
Edward: Ed Eddie Ted Teddy | Theodore: Theo Teddy | Charles: Charlie | Henry: Harry Hal
Jacob: Jake Jakey | Joseph: Joe Joey | Michael: Mike Mikey | Christopher: Chris | Zachary: Zac Zack
Oliver: Ollie Olly | Alfred: Alfie | Harrison: Harry | Maximilian: Max | Sebastian: Seb
Stanley: Stan | Albert: Albie Bert | Jonathan: Jon Jonny | Katherine: Kate Katie
Catherine: Cat Kate
Rebecca: Becky Becca | Jessica: Jess Jessie | Victoria: Tori Vicky | Isabella: Bella Izzy
Isabelle: Izzy Belle | Isabel: Izzy Bel | Abigail: Abbie Abi | Charlotte: Lottie Charlie
Eleanor: Ellie Nell | Florence: Flo Florrie | Matilda: Tilly Tilda | Georgia: Georgie
Olivia: Liv Livvy | Amelia: Millie Amy | Gabriella: Gabby Ella | Penelope: Penny
Francesca: Fran Frankie
Harriet: Hattie | Margaret: Maggie | Madeleine: Maddie | Madison: Maddie | Annabelle: Annie Bella
Arabella: Bella | Evelyn: Evie | Emily: Em Emmy | Lillian: Lily | Beatrice: Bea Trixie
Anthony: Tony Ant | Dominic: Dom | Lewis: Lew | Nicholas: Nick Nicky | Timothy: Tim
Gabriel: Gabe | Tobias: Toby | Reginald: Reggie | Ronald: Ronnie | Ezekiel: Zeke
Wojciech: Wojtek | Jakub: Kuba | Zuzanna: Zuza | Małgorzata: Gosia | Mikołaj: Mikey
Stanisław: Staś | Aleksander: Olek | Katarzyna: Kasia | Maksymilian: Maks Max | Tomasz: Tomek
Dominykas: Domas | Jokūbas: Jokis | Oluwaseun: Seun | Oluwatoyin: Toyin | Oluwadamilola: Dami Lola
Temitope: Temi Tope | Chukwuemeka: Emeka | Oluwafemi: Femi | Funmilayo: Funmi | Olamide: Lami
Toluwani: Tolu | Damilola: Dami | Ayomide: Ayo | Chiamaka: Amaka | Abdirahman: Abdi
Abdullahi: Abdi | Abdikarim: Abdi | Ruaridh: Rory | Alistair: Ali | Catriona: Cat
Stefan: Stef | Ștefan: Stefan | Ionuț: Ionut | Kwabena: Kobby | Ebenezer: Ebbie
"""

_SPELLINGS = """
Muhammad Mohammed Mohammad Mohamed Muhammed Mohamad | Aidan Aiden Ayden Aden
Jayden Jaden Jaiden Jaydon
Kayden Kaiden Caden | Leah Lea Lia | Zoe Zoë Zoey | Isabel Isobel Isabell | Hannah Hanna
Amelie Amélie | Layla Laila Leila Lailah | Yusuf Yousef Yusef Youssef Yousuf
Hussain Hussein Husain
Ahmed Ahmad Ahmet | Fatima Fatimah Fatma | Aisha Ayesha Aysha Aishah | Maryam Mariam Mariyam
Chaudhry Chaudhary Choudhury Chowdhury Choudhry | Catherine Katherine Kathryn | Stephen Steven
Philip Phillip | MacDonald McDonald | Mackenzie McKenzie Mckenzie | Thompson Thomson | Nguyen Nguyễn
Abdirahman Abdurahman Abdulrahman | Hamza Hamzah | Zain Zayn Zane | Rehman Rahman
Mahmood Mahmud Mehmood
Ibrahim Ebrahim Ibraheem | Mustafa Mustapha Mostafa | Sean Shaun Shawn | Ellie Elli Elly
Mollie Molly
Lily Lilly Lillie | Sophia Sofia | Freya Freyja | Harvey Harvie | Louie Louis Lewie
Aaliyah Aliyah Aleah
Caitlin Kaitlyn Katelyn | Niamh Neve Nieve | Grainne Gráinne | Sinead Sinéad | Darcy Darcey Darcie
Hayley Haley Hailey | Kiera Keira Kira | Tia Tiah | Jasmine Yasmin Jazmin | Maisie Maisy Maizie
Rhys Reece Reese | Millie Milly | Evie Evey | Ayaan Ayan | Imran Emran | Osman Othman Usman
Mohamud Mahmoud | Jama Jaamac | Hersi Hirsi | Chen Chan | Wong Huang | Lee Li | Mohammed Mohd
"""

_TWIN_PAIRS = """
male male: Jayden Jaden | Harry Harvey | Freddie Frankie | Leo Luca | Alfie Archie | Jacob Joshua
male male: Hassan Hussain | Zain Zayn | Kai Kian | Emir Emre | Jakub Jan | Ryan Rhys | Logan Lucas
male male: Ethan Evan | Oscar Otis | Tyler Taylor | Reuben Rory | Callum Connor | Tobi Tunde
female female: Ella Ellie | Mia Maya | Lily Lola | Isla Isabella | Amelia Emilia | Ava Eva
female female: Ruby Rosie | Nia Nyla | Maisie Millie | Poppy Daisy | Hannah Holly | Aisha Ayesha
female female: Sophie Sofia | Amber Ava | Layla Lola | Maryam Mariam | Zuzanna Zofia | Gracie Grace
male female: Oliver Olivia | Harry Hallie | Leo Leah | Louis Louise | Charlie Charlotte | Ali Alia
male female: Alex Alexa | Daniel Danielle | Joel Jolie | Kian Kiara | Jan Jana | Ibrahim Inaya
"""


def _parse_short_forms() -> dict[str, tuple[str, ...]]:
    forms: dict[str, tuple[str, ...]] = {}
    for entry in _SHORT_FORMS.replace("\n", " | ").split("|"):
        if ":" in entry:
            full, shorts = entry.split(":")
            forms[full.strip()] = forms.get(full.strip(), ()) + tuple(shorts.split())
    return forms


def _parse_spellings() -> dict[str, tuple[str, ...]]:
    spellings: dict[str, tuple[str, ...]] = {}
    for group in _SPELLINGS.replace("\n", " | ").split("|"):
        names = group.split()
        for name in names:
            others = tuple(other for other in names if other != name)
            spellings[name] = spellings.get(name, ()) + others
    return spellings


def _parse_twin_pairs() -> dict[tuple[str, str], list[tuple[str, str]]]:
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for line in _TWIN_PAIRS.strip().splitlines():
        sexes, names = line.split(":")
        first_sex, second_sex = sexes.split()
        for pair in names.split("|"):
            first, second = pair.split()
            pairs.setdefault((first_sex, second_sex), []).append((first, second))
    return pairs


SHORT_FORMS = _parse_short_forms()
SPELLINGS = _parse_spellings()
TWIN_PAIRS = _parse_twin_pairs()


def other_forms(given_name: str) -> tuple[str, ...]:
    """Other ways a system may write this given name (short forms, then spellings)."""
    return SHORT_FORMS.get(given_name, ()) + SPELLINGS.get(given_name, ())
