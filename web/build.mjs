// Bundles the web application into dist/ with esbuild. Everything it needs comes from node_modules (pinned by
// package-lock.json); the output loads nothing from any other host and is embedded in the Go binary.
import * as esbuild from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";

const out = "dist";
for (const f of readdirSync(out, { withFileTypes: true })) {
  if (f.name !== "README.md") rmSync(`${out}/${f.name}`, { recursive: true, force: true });
}
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: { map: "src/map.js", reports: "src/reports.js", upload: "src/upload.js", review: "src/review.js", signin: "src/signin.js", registry: "src/registry.js", users: "src/users.js", audit: "src/audit.js" },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2020"],
  outdir: `${out}/assets`,
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "[name]-[hash]",
  logLevel: "info",
  legalComments: "linked",
});
// Each page is its content below one comment naming its title, stylesheet, body class and current menu entry;
// src/layout.html holds the head and the header they share.
const layout = readFileSync("src/layout.html", "utf8");
for (const page of ["index.html", "reports.html", "upload.html", "review.html", "signin.html", "registry.html", "users.html", "audit.html"]) {
  const src = readFileSync(`src/${page}`, "utf8");
  const m = src.match(/^<!-- layout\.html: title="([^"]*)" css="([^"]*)" body="([^"]*)" current="([^"]*)" -->\n/);
  if (!m) throw new Error(`src/${page}: the first line must be <!-- layout.html: title="..." css="..." body="..." current="..." -->`);
  const [front, title, css, body, current] = m;
  let head = layout.replaceAll("{{title}}", title).replaceAll("{{css}}", css).replaceAll("{{body}}", body);
  if (current) {
    const link = `<a href="${current}"`;
    const at = head.indexOf(link);
    if (at < 0) throw new Error(`src/${page}: no menu entry ${current} in src/layout.html`);
    const end = head.indexOf(">", at);
    head = head.slice(0, end) + ' aria-current="page"' + head.slice(end);
  }
  writeFileSync(`${out}/${page}`, head + src.slice(front.length));
}
