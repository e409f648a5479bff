"""Name frequency lists for children in England, by cultural background.

Statistics, not people: each list is ordered from the most to the least common name
in that group (approximating ONS baby-name and surname frequency tables and community
naming customs), and a Zipf-like weight is given by rank. Rare surnames are composed
from each culture's word parts so that a million children carry tens of thousands of
distinct surnames, as in England.
"""

# ruff: noqa: RUF001 - the Turkish dotless i is a letter of the names here, not a look-alike
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CultureNames:
    """How one community names its children (given names by sex, surnames, customs)."""

    share: float  # share of England's children, before any local-authority weighting
    boys: str
    girls: str
    surnames: str  # comma-separated, most common first
    tail_parts: tuple[str, str] = ("", "")  # prefixes, suffixes: rare surnames compose them
    tail_joins: str = ""  # optional middles: Ash+ing+ton as well as Ash+ton
    tail_share: float = 0.0  # share of families carrying a composed rare surname
    middle_boys: str = ""
    middle_girls: str = ""
    middle_rate: float = 0.3
    head_weights: dict[str, float] = field(default_factory=dict)  # explicit weights (per mille)


ENGLISH = CultureNames(
    share=0.585,
    boys="""Oliver George Noah Arthur Harry Leo Jack Charlie Oscar Jacob Henry Thomas Freddie
    Alfie Theo William Theodore Archie Joshua Alexander James Isaac Edward Lucas Tommy Finley
    Max Logan Ethan Teddy Benjamin Arlo Joseph Sebastian Harrison Elijah Adam Daniel Samuel
    Louie Mason Reuben Albie Rory Jaxon Hugo Luca Zachary Reggie Hunter Louis Dylan Albert
    David Jude Frankie Roman Ezra Toby Riley Carter Ronnie Frederick Gabriel Stanley Bobby
    Jesse Michael Elliot Grayson Liam Jenson Ellis Harley Harvey Jayden Jake Matthew Nathan
    Lewis Callum Kai Tyler Ryan Jamie Connor Kian Aaron Owen Cameron Brandon Jackson Billy
    Ollie Dexter Caleb Ralph Hudson Felix Jasper Austin Bodhi Otis Rowan Charles Nathaniel
    Robert Aiden Aidan Brody Bradley Kyle Declan Jordan Luke Sonny Tristan Vincent Wilfred
    Zac Corey Kayden Jaden Reece Morgan Marcus Kieran Leon Lennon Leighton Maddox Mylo Milo
    Myles Nico Oakley Parker Rafael Ruben Alfred Ashton Blake Casey Christopher Cody Dominic
    Elliott Evan Fletcher Flynn George Hayden Jasper Jonah Jonathan Kaiden Lincoln Marley
    Mohammed Muhammad Nathanael Oakley Percy Quinn Rhys Ronan Sam Spencer Taylor Tobias
    Travis Tyler Wyatt Xavier Zack Joel Ben Alex Kenzie Jax Ezekiel Harris Ted Edwin Lenny""",
    girls="""Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella
    Grace Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie
    Matilda Isabelle Alice Sophie Jessica Ruby Chloe Ellie Emma Lucy Maisie Eva Aria Layla
    Esme Maya Eliza Erin Scarlett Hallie Isabel Holly Lola Bonnie Hannah Mila Thea Zara Molly
    Martha Harriet Imogen Annabelle Beatrice Darcy Emilia Georgia Lilly Lottie Maeve Robyn
    Violet Amber Megan Katie Lauren Leah Abigail Bethany Courtney Elizabeth Eleanor Francesca
    Gracie Heidi Jasmine Kayla Keira Lacey Libby Lexi Macie Mollie Naomi Nevaeh Paige Penelope
    Rebecca Rose Summer Tilly Victoria Zoe Zoë Ayla Aurora Clara Iris Nancy Ada Edith Margot
    Mabel Elodie Skye Kacey Macy Mya Darcie Amelie Annie Arabella Ariana Betsy Caitlin Cora
    Delilah Eden Elise Felicity Gabriella Hollie Indie Jade Jorgie Kiera Lara Lyla Madison
    Madeleine Maria Marnie Nellie Olive Orla Pippa Primrose Rosa Sadie Sara Serena Stella
    Tallulah Tia Valentina Verity Wren Zoey Alexandra Amelia Chelsea Danielle Georgie Hope""",
    surnames="""Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson,
    Roberts, Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis,
    Harris, Clarke, Jackson, Wood, Turner, Martin, Cooper, Hill, Ward, Morris, Moore, Clark,
    Lee, King, Baker, Harrison, Morgan, Allen, James, Scott, Phillips, Watson, Davis, Parker,
    Price, Bennett, Young, Griffiths, Mitchell, Kelly, Cook, Carter, Richardson, Bailey, Collins,
    Bell, Shaw, Murphy, Miller, Cox, Richards, Marshall, Simpson, Ellis, Adams, Wilkinson,
    Foster, Chapman, Mason, Webb, Rogers, Gray, Hunt, Palmer, Holmes, Mills, Barnes, Knight,
    Lloyd, Butler, Russell, Barker, Fisher, Stevens, Jenkins, Dixon, Fletcher, Howard, Pearson,
    Walsh, Andrews, Powell, Reynolds, Lawrence, Hudson, Atkinson, Gibson, Kennedy, Owen, Hart,
    Dawson, Armstrong, Burton, Fox, Wells, Lane, Harvey, Pearce, Ryan, Hussey, Holland, Kemp,
    Spencer, Gardner, Stone, Watts, Hayes, Lambert, Saunders, Porter, Jordan, Matthews,
    Sutton, Bird, Fowler, Newman, Payne, Bates, Hopkins, Cole, Booth, Grant, Dean, Riley,
    Goodwin, Nicholson, Barrett, Hardy, Chambers, Sharp, Hodgson, Perkins, Burgess, Cunningham,
    Bradley, Wallace, Lowe, Rose, Day, Francis, Houghton, Ball, Briggs, Whitehead, Marsh,
    Tucker, Hammond, Oliver, Frost, Greenwood, Fraser, Steele, Moss, Pritchard, Pickering,
    Rowe, Hutchinson, Dunn, Bolton, Slater, Ashworth, Fitzgerald, Bentley, Hargreaves, Crossley,
    Higgins, Whittaker, Sykes, Brooks, Lord, Ainsworth, Parkinson, Pollard, Stubbs, Heywood,
    Bancroft, Lister, Crowther, Haigh, Midgley, Firth, Hebden, Ackroyd, Ramsden, Thornton,
    Sanderson, Outhwaite, Featherstone, Entwistle, Higginbottom, Postlethwaite, Winterbottom,
    Smyth, Smythe, Thompson-Clarke, Ashby-Jones, Lloyd-Webb, Fox-Smith, Hughes-Davies""",
    head_weights={
        "Smith": 20.0,
        "Jones": 12.0,
        "Williams": 10.0,
        "Taylor": 9.5,
        "Brown": 9.0,
        "Davies": 7.5,
        "Evans": 6.0,
        "Wilson": 6.0,
        "Thomas": 5.5,
        "Johnson": 5.5,
        "Roberts": 5.5,
        "Robinson": 4.5,
        "Thompson": 4.5,
        "Wright": 4.5,
        "Walker": 4.5,
    },
    tail_parts=(
        """Ash Black Brad Brook Cart Church Clay Cole Craw Dal East Fair Fen Ford Gold Green Hal
        Hart Hay Hol Kings Lang Mar Mid Mil Mor New Nor Pem Red Ridge Ros Rush Shel Stan Staf Sut
        Thorn Wake Wal Wes Whit Win Wood Wy Bar Bel Bish Blen Brough Bur Cal Carl Chad Chal Chester
        Col Cran Dun Ed Elm Fal Far Gar Glad Had Ham Hather Her Hock Hun Kel Kil Lam Lid Lin Mal Mat
        Mos Nut Ock Old Pad Pen Rad Rams Rid Sal Sand Stock Stow Tad Tam Tem Thurs Up War Wel Wick
        Abb Alder Ark Aston Bag Bark Bart Bees Birch Bot Bram Brent Bright Brind Buck Cam
        Chip Clap Cliff Cor Crom Cud Dan Den Dray Dudd Eb Elles Ever Fern Frog Gat Gil Gos Grim
        Hamp Hazel Hen Hig Holt Horn Ing Keld Knap Lap Lox Lud Mel Moss Ned Ox Peb Pick Pres Quen
        Rain Rock Roth Rud Scar Shap Sher Skel Slad Spal Stain Swin Tet Tod Tris Wain Wat Whel""",
        """ton ley field wood worth by ham ford well more wick stead bridge combe dale hurst land
        man er son s den ing gate bury borough thorpe holme croft shaw ridge lock hall cott stone
        brook mere wall tree ston sley wright ingham sby nell low hill sworth cliffe""",
    ),
    tail_share=0.4,
    tail_joins="ing s",
    middle_boys="""James John William Thomas Alexander George David Michael Lee Edward Robert Peter
    Jack Charles Henry Anthony Paul Joseph Oliver Arthur Daniel Ray Francis Luke Stephen""",
    middle_girls="""Rose Grace Mae May Louise Elizabeth Jane Marie Ann Anne Lily Jade Olivia
    Victoria Ruby Faith Hope Elsie Lou Leigh Isabella Florence Mary Alice Catherine Evelyn Joy""",
    middle_rate=0.62,
)

WELSH = CultureNames(
    share=0.02,
    boys="""Dylan Osian Ioan Cai Gruffydd Rhys Elis Tomos Harri Macsen Owain Iwan Steffan Aled
    Gethin Huw Llŷr Emrys Deio Morgan Jac Caio Efan Guto Sion Siôn Rhodri Dafydd Cian Evan""",
    girls="""Seren Ffion Cerys Mali Alys Nia Elin Megan Lowri Carys Eira Gwen Catrin Sioned Manon
    Nel Efa Mirain Lili Cadi Erin Hana Heledd Non Anwen Bethan Rhian Eleri Angharad Gwenllian""",
    surnames="""Jones, Williams, Davies, Evans, Thomas, Roberts, Hughes, Lewis, Morgan, Griffiths,
    Price, Rees, Owen, Jenkins, Powell, Pritchard, Bowen, Parry, Lloyd, Vaughan, Howells, Pugh,
    Llewellyn, Prosser, Gwynne, Meredith, ap Rhys, Probert, Bevan, Powys, Madoc""",
    middle_boys="Rhys Dafydd Ioan Huw Llywelyn Emrys Glyn Wyn",
    middle_girls="Wyn Haf Mai Non Eluned Angharad Glain Fflur",
    middle_rate=0.55,
)

SCOTTISH = CultureNames(
    share=0.028,
    boys="""Lachlan Callum Euan Finlay Hamish Angus Ruaridh Fraser Alistair Ewan Murray Struan
    Calum Lewis Jamie Archie Rory Kyle Cameron Blair Craig Duncan Fergus Innes Logan Niall""",
    girls="""Isla Eilidh Ailsa Kirsty Morag Catriona Skye Iona Mhairi Fiona Kirsten Rhona Shona
    Lorna Isla Innes Morven Islay Esme Freya Eilish Ishbel Heather Cara Kenna""",
    surnames="""MacDonald, McDonald, Campbell, Stewart, Robertson, Thomson, Anderson, Scott,
    Murray, MacLeod, McKenzie, Reid, Ross, Fraser, Paterson, Morrison, Hamilton, Graham, Kerr,
    Cameron, Ferguson, McGregor, Sinclair, Munro, Buchanan, Drummond, Gunn, Mackintosh, McIntyre,
    MacKay, Mackay, Sutherland, Urquhart, Lamont, Menzies, Dalgleish""",
    tail_parts=(
        "Mac Mc",
        """Allister Arthur Aulay Bean Bride Cabe Call Clean Connell Cormack Crae Culloch Dermid
        Dougall Dowell Ewan Fadyen Farlane Gill Gillivray Glashan Gowan Innes Iver Kay Kellar
        Kendrick Kinnon Lachlan Laren Lean Lennan Lure Millan Morran Nab Naughton Neil Nicol
        Pherson Quarrie Queen Rae Ritchie Tavish Taggart Vicar Whirter""",
    ),
    tail_share=0.3,
    middle_boys="James John Alexander Iain Ian Stuart Angus",
    middle_girls="Margaret Jean Anne Catherine Isobel Elizabeth",
    middle_rate=0.55,
)

IRISH = CultureNames(
    share=0.03,
    boys="""Oisín Cillian Seán Cian Darragh Fionn Ronan Tadhg Eoin Conor Liam Rory Patrick
    Ciarán Dara Donal Niall Eamon Aidan Cathal Colm Diarmuid Odhrán Sean Shane Kevin Declan""",
    girls="""Aoife Saoirse Niamh Siobhán Caoimhe Róisín Orla Ciara Clodagh Méabh Sinéad Aisling
    Grainne Éabha Síofra Ailbhe Bríd Muireann Fiadh Ciara Orlaith Nora Maeve Erin Shannon""",
    surnames="""Murphy, Kelly, O'Sullivan, Walsh, O'Brien, Byrne, Ryan, O'Connor, O'Neill, McCarthy,
    Doyle, Gallagher, Kennedy, Lynch, Quinn, Brennan, Fitzgerald, Doherty, McLaughlin, Moran,
    Kavanagh, Brady, Farrell, Nolan, Keane, Callaghan, O'Donnell, Ó Súilleabháin, Mac Giolla,
    Ní Bhriain, Cassidy, Flanagan, Hennessy, Sheehan, O'Mahony, Dunne, Kinsella, Kearney""",
    tail_parts=(
        "O' Mc",
        """Boyle Brien Casey Connell Dea Donoghue Driscoll Dwyer Farrell Flaherty Gara Grady
        Hara Hare Hanlon Keeffe Kane Leary Loughlin Mahony Malley Meara Neill Regan Reilly
        Riordan Rourke Shea Sullivan Toole Callion Cann Carron Closkey Cormick Creesh Dade
        Enroe Fadden Garrity Ginley Govern Grath Hugh Keown Loughlin Manus Nulty Sweeney""",
    ),
    tail_share=0.3,
    middle_boys="Patrick Joseph Michael Francis Sean Seán John",
    middle_girls="Mary Bridget Rose Kathleen Anne Marie Áine",
    middle_rate=0.6,
)

PAKISTANI = CultureNames(
    share=0.045,
    boys="""Muhammad Mohammed Ayaan Hamza Ibrahim Yusuf Zakariya Abdullah Musa Rayyan Ahmed Ali
    Umar Hassan Bilal Zain Arham Haris Hussain Ismail Harris Saad Rehan Ayaan Zayan Usman Aryan
    Daniyal Imran Faisal Aayan Shayan Zohaib Talha Hasnain Azaan Raheem Mustafa Huzaifa Abdul""",
    girls="""Maryam Aisha Zainab Fatima Hafsa Khadija Inaaya Safa Hania Anaya Mariam Amina Iqra
    Noor Zara Eman Alishba Manahil Hoorain Haniya Ayesha Aleena Mahnoor Aiza Anabia Laiba Sana
    Hira Sidra Fiza Rimsha Areeba Minahil Zoya Aiza Javeria Momina Zunaira Emaan""",
    surnames="""Khan, Hussain, Ali, Ahmed, Mahmood, Akhtar, Iqbal, Shah, Rashid, Butt, Mirza,
    Malik, Chaudhry, Chaudhary, Qureshi, Raja, Anwar, Javed, Riaz, Aslam, Sadiq, Arshad, Yousaf,
    Nawaz, Saleem, Akram, Ashraf, Rehman, Zaman, Hanif, Bashir, Farooq, Latif, Shafiq, Tariq,
    Hameed, Kausar, Parveen, Abbasi, Bhatti, Gill, Rana, Siddiqui, Sheikh, Mughal, Awan, Janjua""",
    middle_boys="Ali Ahmed Hassan Hussain Abdullah Rehman Mustafa Haider Raza",
    middle_girls="Fatima Noor Zahra Bibi Khan Maryam Ayesha",
    middle_rate=0.35,
)

INDIAN = CultureNames(
    share=0.03,
    boys="""Arjun Aarav Vihaan Krish Rohan Dev Aryan Ishaan Kabir Reyansh Jai Arav Veer Rishi
    Aditya Ansh Advik Shaan Harjot Jaskaran Gurveer Manveer Arman Harvir Rudra Yash Neel Sahil
    Rahul Nikhil Karan Jasraj Sukhraj Ekam Fateh Ranveer Tej Vivaan Om Ayush Pranav Shiv""",
    girls="""Anaya Diya Saanvi Aadhya Priya Isha Riya Anika Kavya Myra Navya Siya Jasleen Simran
    Harleen Amrit Jasmeet Manpreet Gurleen Ishani Tara Meera Nisha Pooja Aarya Kiara Avni Jiya
    Anvi Prisha Reeva Sanaya Tanvi Trisha Zoya Ishita Mahi Ekta Jaspreet Harnoor""",
    surnames="""Patel, Singh, Kaur, Sharma, Shah, Mistry, Parmar, Chauhan, Gill, Sandhu, Sidhu,
    Dhillon, Bains, Kumar, Gupta, Joshi, Mehta, Desai, Lad, Solanki, Chopra, Kapoor, Bhatt,
    Thakkar, Rana, Sohal, Atwal, Johal, Rai, Nair, Pillai, Reddy, Iyer, Pandya, Vyas, Modi,
    Chahal, Grewal, Sangha, Dhaliwal, Kalsi, Bhogal, Hothi, Virdee, Sahota, Mann, Basra""",
    head_weights={"Patel": 180.0, "Singh": 120.0, "Kaur": 20.0, "Sharma": 35.0, "Shah": 25.0},
    middle_boys="Singh Kumar Raj Dev Prakash",
    middle_girls="Kaur Devi Kumari Rani Ben",
    middle_rate=0.4,
)

BANGLADESHI = CultureNames(
    share=0.016,
    boys="""Mohammed Muhammad Abdul Rahim Tahmid Ayaan Ishaq Zayan Rayhan Sami Arif Yahya Ehsan
    Tanvir Shakil Nabil Raihan Sayem Junaid Ibrahim Yusuf Hamza Ilyas Zakir Mahir Aariz Tahsin""",
    girls="""Ayesha Tasnim Sumaiya Nusrat Maisha Sadia Rumana Jannat Tahmina Farzana Raisa Humaira
    Tanjila Nafisa Maryam Fatima Zara Safiya Tasmia Labiba Amira Hafsa Ruqayyah Inaya Nabila""",
    surnames="""Miah, Uddin, Ahmed, Rahman, Hussain, Islam, Ali, Choudhury, Hoque, Haque, Alam,
    Khan, Akhtar, Chowdhury, Karim, Hossain, Begum, Khatun, Sultana, Bibi, Ullah, Miah, Mia,
    Rob, Amin, Kabir, Sarkar, Talukdar, Mahmud, Siddique, Mollah, Shikder""",
    middle_boys="Abdul Rahman Islam Uddin Hussain Ali",
    middle_girls="Begum Khatun Sultana Jannat Akter",
    middle_rate=0.35,
)

CHINESE = CultureNames(
    share=0.01,
    boys="""Ethan Ryan Jason Kevin Daniel Lucas Marcus Jayden Ho Yu Hao Jun Wei Yi Tian Zhi Ming
    Kai Jin Lok Chun Ka Hei Long Ze Chen Rui Yuxuan Haoran Zihan Junhao Yichen""",
    girls="""Chloe Emily Jessica Grace Michelle Vivian Jennifer Angel Mei Ling Xin Yi Jia Hui Yan
    Wing Ka Man Yu Xuan Zi Han Yu Tong Xinyi Yutong Zihan Ruoxi Shiyu Jiayi Hannah Sophie""",
    surnames="""Wang, Li, Zhang, Chen, Liu, Lin, Huang, Wong, Chan, Cheung, Lee, Ng, Lam, Yang,
    Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, He, Lau, Leung, Tang, Ho, Yip, Tsang, Chow, Fung,
    Kwok, Tam, Mak, Choi, Siu, Yeung, Poon, Au, Ouyang, Sze-To""",
    head_weights={"Wang": 80.0, "Li": 75.0, "Zhang": 70.0, "Chen": 60.0, "Liu": 55.0},
    middle_boys="Wei Jun Hao Ming Kai Zhi Long",
    middle_girls="Mei Ling Xin Hui Yan Jia Wing",
    middle_rate=0.45,
)

VIETNAMESE = CultureNames(
    share=0.004,
    boys="Minh Anh Huy Khang Bao Duc Nam Long Phuc Quang Tuan Hieu Khoa Dat Thien Vinh Tri",
    girls="Linh Anh Ngoc Thao Trang Mai Huong Lan Vy Nhi Chi Hoa Thu Ha My Thảo Ngọc",
    surnames="""Nguyen, Tran, Le, Pham, Hoang, Huynh, Phan, Vu, Vo, Dang, Bui, Do, Ho, Ngo, Duong,
    Ly, Truong, Dinh, Lam, Mai""",
    head_weights={"Nguyen": 380.0, "Tran": 110.0, "Le": 90.0, "Pham": 70.0},
    middle_boys="Van Minh Duc Quoc Thanh Huu",
    middle_girls="Thi Ngoc Thanh Kim Bao",
    middle_rate=0.7,
)

POLISH = CultureNames(
    share=0.026,
    boys="""Jakub Antoni Szymon Jan Filip Franciszek Aleksander Mikołaj Wojciech Kacper Łukasz
    Oliwer Maksymilian Igor Adam Michał Stanisław Wiktor Tymon Piotr Bartosz Dawid Mateusz
    Krzysztof Marcel Nikodem Ignacy Oskar Tomasz Paweł Kamil Dominik""",
    girls="""Zuzanna Julia Zofia Hanna Maja Lena Alicja Maria Amelia Oliwia Wiktoria Natalia
    Aleksandra Emilia Gabriela Pola Nikola Małgorzata Agnieszka Łucja Marta Karolina Weronika
    Antonina Helena Laura Kinga Klara Milena Joanna""",
    surnames="""Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński,
    Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk,
    Piotrowski, Grabowski, Nowakowski, Pawłowski, Michalski, Adamczyk, Dudek, Zając, Wieczorek,
    Jabłoński, Król, Majewski, Olszewski, Jaworski, Malinowski, Stępień, Górski, Rutkowski,
    Sikora, Baran, Wróbel, Pietrzak, Ostrowski, Kaczmarek""",
    tail_parts=(
        """Bar Bor Brzez Chmiel Czar Dąb Dob Gaj Gol Grab Jaw Jez Kal Kam Klim Kos Kot Kraw Krup
        Kub Las Lip Lis Mal Mar Mich Mil Mod Nad Now Olsz Ostr Pan Pęd Piek Pol Rad Rog Rud Sad
        Sawi Sob Stan Szcz Tar Tom Wal Wil Woj Wol Zab Zaw Żak Zar""",
        "owski ewski iński ecki czak czyk ewicz ak ek ik uk owicz",
    ),
    tail_share=0.35,
    middle_boys="Jan Piotr Paweł Józef Marek Adam",
    middle_girls="Maria Anna Katarzyna Ewa Zofia",
    middle_rate=0.3,
)

ROMANIAN = CultureNames(
    share=0.022,
    boys="""Andrei Alexandru David Gabriel Ștefan Matei Luca Mihai Ionuț Darius Eduard Rareș
    Cristian Adrian Florin Vlad Sebastian Denis Robert Raul Sergiu Bogdan Tudor Radu Marius""",
    girls="""Maria Ioana Elena Andreea Alexandra Sofia Daria Ana Bianca Ștefania Antonia Iulia
    Denisa Larisa Alesia Ilinca Anastasia Roxana Alina Diana Carla Medeea Raluca Casandra""",
    surnames="""Popescu, Popa, Pop, Radu, Dumitru, Stan, Stoica, Gheorghe, Matei, Ciobanu,
    Ionescu, Rusu, Munteanu, Constantin, Moldovan, Lungu, Florea, Mihai, Tudor, Ene, Marin,
    Dinu, Niculae, Ilie, Barbu, Diaconu, Nistor, Toma, Sandu, Dobre, Lăcătuș, Căldăraru""",
    tail_parts=(
        """Vasil Marin Olt Petr Ion Stoi Dobr Georg Mih Neag Rad Tud Mun Cost Drag Pav Sim Stef
        Nic Man Bal Cat Crist Dum Flor Gav Ior Luc Mar Oct Pan Sorin Val Zamf""",
        "escu eanu aru oiu ache ușcă ica ilă",
    ),
    tail_share=0.35,
    middle_boys="Ionuț Andrei Mihai Constantin Gabriel",
    middle_girls="Maria Elena Ioana Gabriela",
    middle_rate=0.3,
)

LITHUANIAN = CultureNames(
    share=0.008,
    boys="""Lukas Matas Jokūbas Dominykas Nojus Jonas Kajus Benas Herkus Domantas Augustas
    Arnas Rokas Tomas Mantas Justas Emilis Gustas Ignas Paulius""",
    girls="""Emilija Gabija Lėja Amelija Austėja Kamilė Ugnė Sofija Urtė Ieva Liepa Goda Vakarė
    Miglė Rugilė Eglė Gabrielė Patricija Adelė Viktorija""",
    surnames="""Kazlauskas, Jankauskas, Petrauskas, Stankevičius, Vasiliauskas, Žukauskas, Butkus,
    Paulauskas, Urbonas, Kavaliauskas, Navickas, Ramanauskas, Baranauskas, Savickas, Rimkus,
    Vaitkus, Sakalauskas, Mockus, Kairys, Adomaitis""",
    tail_parts=(
        """Bal Bar Bud Dau Gai Gri Jak Jan Jur Kaz Kri Lau Mar Mik Nor Pet Rad Sab Stan Šim Tam
        Urb Vai Val Var Ved Zub Žil""",
        "auskas evičius aitis elis onas ūnas ulis ėnas",
    ),
    tail_share=0.35,
    middle_rate=0.05,
)

ARABIC = CultureNames(
    share=0.02,
    boys="""Omar Adam Yusuf Zayd Ahmad Khalid Karim Rami Sami Tariq Ziad Hamza Mohamed Mohammad
    Ibrahim Ali Youssef Anas Bilal Amir Hadi Nour Jad Malik Faris Idris""",
    girls="""Layla Lina Yasmin Mariam Nour Sara Rania Dana Hala Jana Salma Reem Aya Maryam Leen
    Rahaf Sarah Lamar Tala Jumana Farah Dalia Hiba Amal Yara Zaynab""",
    surnames="""Al Hassan, Al-Sayed, Abdullah, Haddad, Khalil, Mansour, Nasser, Saleh, El-Amin,
    Al Masri, Hamdan, Aziz, Darwish, Farouk, Habib, Ibrahim, Mohamed, Hassan, Al-Khatib, Saeed,
    Abdel-Rahman, Al Shami, El Sayed, Qasim, Yousef, Younis, Othman, Salem, Zaki""",
    tail_parts=(
        "Al Al- El- Abu",
        """Ahmadi Ali Amiri Ansari Attar Baghdadi Bakri Farsi Hakim Hashimi Hussaini Jabouri
        Jaziri Kaabi Khatib Kurdi Mahdi Maliki Masri Najjar Obaidi Qadi Rashid Saadi Shami
        Sharif Tamimi Tikriti Zahrani Zubaidi""",
    ),
    tail_share=0.35,
    middle_boys="Ali Ahmed Mohamed Hassan",
    middle_girls="Fatima Zahra Noor",
    middle_rate=0.2,
)

SOMALI = CultureNames(
    share=0.008,
    boys="""Abdirahman Abdullahi Mohamed Ahmed Hassan Yusuf Ayub Bilal Khalid Mustafe Abdikarim
    Abdirizak Hamza Zakaria Ibrahim Ismail Liban Mahad Omar Salah""",
    girls="""Hodan Hibo Sagal Ayan Ifrah Fadumo Hamdi Sumaya Nimco Ikran Ladan Muna Ayaan Hani
    Khadra Najma Ruqiya Sahra Samira Ubah""",
    surnames="""Mohamed, Ali, Hassan, Abdi, Farah, Omar, Yusuf, Warsame, Jama, Osman, Hersi, Aden,
    Ahmed, Ibrahim, Hussein, Nur, Abdullahi, Mohamud, Ismail, Egal, Dirie, Guled, Elmi, Duale""",
    middle_rate=0.1,
)

NIGERIAN = CultureNames(
    share=0.022,
    boys="""David Daniel Samuel Emmanuel Joshua Oluwaseun Tobi Chidi Chukwuemeka Ifeanyi Tunde
    Ayomide Femi Tobenna Kelechi Obinna Favour Divine Jesse Israel Elijah Caleb Michael
    Olamide Damilola Toluwani Somtochukwu Chinedu Ebuka Kayode""",
    girls="""Precious Blessing Favour Temitope Ngozi Funmilayo Ifeoma Adesuwa Chioma Ayomide
    Esther Grace Deborah Toluwani Chiamaka Adaeze Oluwatoyin Princess Mercy Miracle Praise
    Oluwadamilola Adunni Zainab Amarachi Ebube Kamsiyochukwu Tiwatope Ruth Joy""",
    surnames="""Adeyemi, Okafor, Okonkwo, Adebayo, Eze, Nwosu, Ogunleye, Balogun, Abiodun,
    Adeleke, Okoro, Obi, Chukwu, Ibrahim, Bello, Olawale, Oyelaran, Akinola, Onyeka, Uche,
    Oladipo, Afolabi, Nwachukwu, Okeke, Ugwu, Adewale, Ogunbiyi, Ajayi, Oyewole, Salami""",
    tail_parts=(
        "Ade Olu Ola Oye Ogun Aki Ayo Fola Oba Ojo Ako Ona Awo Oke Ige Nwa Chi Ok Ez Ob Uzo",
        """yemi bayo wale seun tunde kunle leke mola femi nike biyi kola dele tola yinka lade
        dipo koya jide nkwo chukwu onye afor emeka oro eke""",
    ),
    tail_share=0.45,
    tail_joins="wa",
    middle_boys="Oluwaseun Chukwuemeka Ayodeji Chinonso Adebola Tobechukwu Olumide",
    middle_girls="Oluwadamilola Chinwe Adebimpe Ifeoluwa Ngozi Temiloluwa",
    middle_rate=0.7,
)

GHANAIAN = CultureNames(
    share=0.008,
    boys="""Kwame Kofi Kwabena Yaw Kwaku Kwesi Nana Kojo Daniel Samuel Emmanuel Prince Ebenezer
    Isaac Joseph Nathaniel Kelvin Jeremiah""",
    girls="""Akua Ama Abena Efua Adwoa Afia Akosua Yaa Esi Nana Adjoa Abigail Priscilla Gifty
    Comfort Vanessa Naomi Rebecca""",
    surnames="""Mensah, Owusu, Boateng, Asante, Osei, Agyeman, Appiah, Amoah, Darko, Adjei, Ofori,
    Antwi, Acheampong, Frimpong, Ansah, Kwarteng, Sarpong, Bonsu, Opoku, Quaye, Annan, Addo,
    Tetteh, Ankrah, Ampofo, Gyamfi, Baffour, Nkrumah""",
    middle_boys="Kwame Kofi Nana Yaw Kwabena",
    middle_girls="Ama Akua Nana Abena",
    middle_rate=0.6,
)

CARIBBEAN = CultureNames(
    share=0.02,
    boys="""Jayden Tyrese Kai Malachi Kemar Dwayne Zion Amari Josiah Jaheim Tyreke Deshawn
    Rashad Andre Kieron Levi Nathaniel Isaiah Elijah Jermaine Marlon Shaquille Tajay Romario""",
    girls="""Nia Jada Aaliyah Shanice Tianna Keisha Shay Amani Imani Kezia Latoya Tanisha Aliyah
    Destiny Serenity Chantelle Monique Kiara Renee Jahnelle Shania Tiana Zaria Nyla""",
    surnames="""Campbell, Brown, Williams, Thomas, Francis, Henry, Clarke, Grant, Morgan, Reid,
    Richards, Edwards, Gordon, Bailey, Samuels, Lewis, Powell, Wright, Simpson, Forbes,
    McKenzie, Stewart, Johnson, Murray, Thompson, Barrett, Spencer, Walters, Dacres, Gayle,
    Blake, Hinds, Bygrave, St Louis, Charles, Joseph, Providence, Nembhard""",
    middle_boys="Marcus Anthony Andre Junior Lee",
    middle_girls="Marie Grace Leanne Renee Joy",
    middle_rate=0.55,
)

TURKISH = CultureNames(
    share=0.01,
    boys="""Emir Yusuf Eymen Ömer Mustafa Ali Mehmet Ahmet Kerem Aras Miraç Çınar Alparslan Efe
    Emre Kaan Burak Deniz Berat Arda""",
    girls="""Elif Zeynep Defne Azra Ecrin Nehir Asel Meryem Eylül Ela Hiranur Zümra Duru Melis
    Ayşe Büşra Esra Gül İrem Sude""",
    surnames="""Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir,
    Arslan, Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Erdoğan""",
    tail_parts=(
        "Ak Kara Öz Er Gül Tur Yıl Bal Can Ay Gök Al Şen Tek Bay Sarı Uz Ulu",
        "demir kaya türk can han soy oğlu taş dağ er gün bay yol",
    ),
    tail_share=0.35,
    middle_rate=0.15,
)

IBERIAN = CultureNames(
    share=0.008,
    boys="Mateo Santiago Hugo Tomás João Gonçalo Diego Martín Rodrigo Afonso Pablo Álvaro",
    girls="Lucía Sofía María Inês Leonor Beatriz Martina Carmen Valentina Mariana Alba Clara",
    surnames="""García, Martínez, Rodríguez, Fernández, López, González, Pérez, Sánchez, Núñez,
    Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Gonçalves, Almeida, Sousa,
    de la Cruz, dos Santos, da Silva, Muñoz, Jiménez, Peña""",
    middle_boys="José Luis Manuel Miguel",
    middle_girls="María Isabel Sofia Luísa",
    middle_rate=0.5,
)

DUTCH_GERMAN = CultureNames(
    share=0.004,
    boys="Lukas Finn Noah Jonas Leon Luuk Daan Sem Bram Felix Max Paul",
    girls="Emma Mia Lotte Sanne Hannah Fenna Julia Lena Marie Anna Tess Sophie",
    surnames="""van der Berg, van Dijk, de Vries, de Jong, Bakker, Jansen, Müller, Schmidt,
    Schneider, Fischer, Weber, Becker, Hoffmann, van den Bosch, de Boer, Visser, Meyer, Schäfer,
    Koch, Richter, van der Meer, ter Horst""",
    middle_boys="Johannes Pieter Maximilian",
    middle_girls="Johanna Marie Sophie",
    middle_rate=0.4,
)

CULTURES: dict[str, CultureNames] = {
    "english": ENGLISH,
    "welsh": WELSH,
    "scottish": SCOTTISH,
    "irish": IRISH,
    "pakistani": PAKISTANI,
    "indian": INDIAN,
    "bangladeshi": BANGLADESHI,
    "chinese": CHINESE,
    "vietnamese": VIETNAMESE,
    "polish": POLISH,
    "romanian": ROMANIAN,
    "lithuanian": LITHUANIAN,
    "arabic": ARABIC,
    "somali": SOMALI,
    "nigerian": NIGERIAN,
    "ghanaian": GHANAIAN,
    "caribbean": CARIBBEAN,
    "turkish": TURKISH,
    "iberian": IBERIAN,
    "dutch_german": DUTCH_GERMAN,
}
