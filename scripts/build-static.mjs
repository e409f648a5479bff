// Builds GOV.UK Frontend (installed by `npm ci`) into src/contactpoint/web/static/govuk/,
// where Django's app static finder and WhiteNoise serve it as /static/govuk/...
//
//   govuk-frontend.min.css      compiled from the Sass with $govuk-assets-path pointing at
//                               /static/govuk/assets/, so fonts and images resolve under Django
//   govuk-frontend.min.js(.map) the ES module, copied as published
//   assets/                     fonts, images and manifest.json, copied as published
//
// Runs offline: it reads node_modules only. The output is replaced as a whole, so a
// failed build never leaves half a directory behind for the app to serve.

import { cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const govuk = path.join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = path.join(root, "src", "contactpoint", "web", "static", "govuk");

// Must match STATIC_URL ("/static/") in contactpoint/settings.py plus this folder's name.
const ASSETS_URL = "/static/govuk/assets/";

function fail(message) {
  console.error(`build-static: ${message}`);
  process.exit(1);
}

async function compileCss() {
  const entry = `@use "pkg:govuk-frontend" with ($govuk-assets-path: "${ASSETS_URL}");\n`;
  const result = await sass.compileStringAsync(entry, {
    // pkg: URLs resolve against node_modules next to this (virtual) entry file.
    url: pathToFileURL(path.join(root, "contactpoint.scss")),
    importers: [new sass.NodePackageImporter(root)],
    style: "compressed",
    // Deprecation notices from inside govuk-frontend are theirs to fix, not ours.
    quietDeps: true,
  });
  return result.css;
}

// Every url() in the CSS must name a file we ship, under ASSETS_URL: catches a wrong
// assets path (or a new asset folder in a govuk-frontend upgrade) at build time
// rather than as a missing font in someone's browser.
async function checkCssUrls(css, buildDir) {
  const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]);
  if (urls.length === 0) fail("the compiled CSS references no fonts or images: Sass output changed?");
  for (const url of new Set(urls)) {
    if (url.startsWith("data:")) continue;
    if (!url.startsWith(ASSETS_URL)) fail(`CSS references ${url}, outside ${ASSETS_URL}`);
    const file = path.join(buildDir, "assets", url.slice(ASSETS_URL.length));
    try {
      await stat(file);
    } catch {
      fail(`CSS references ${url} but ${path.relative(root, file)} was not built`);
    }
  }
}

async function main() {
  try {
    await stat(path.join(govuk, "govuk-frontend.min.js"));
  } catch {
    fail("node_modules/govuk-frontend is missing: run `npm ci` first (or `make static`)");
  }
  const version = JSON.parse(
    await readFile(path.join(root, "node_modules", "govuk-frontend", "package.json"), "utf8"),
  ).version;

  // Built beside node_modules (gitignored, same filesystem) and then moved into place.
  const building = path.join(root, "node_modules", ".contactpoint-static");
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });

  await cp(path.join(govuk, "assets"), path.join(building, "assets"), { recursive: true });
  for (const name of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
    await cp(path.join(govuk, name), path.join(building, name));
  }
  const css = await compileCss();
  await checkCssUrls(css, building);
  await writeFile(path.join(building, "govuk-frontend.min.css"), css);
  await writeFile(path.join(building, "VERSION"), `${version}\n`);

  await rm(out, { recursive: true, force: true });
  await mkdir(path.dirname(out), { recursive: true });
  await rename(building, out);
  console.log(`GOV.UK Frontend ${version} built into ${path.relative(root, out)}/`);
}

main().catch((error) => fail(error.stack ?? String(error)));
