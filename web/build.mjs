// Bundles the web application into dist/ with esbuild. Everything it needs comes from node_modules (pinned by
// package-lock.json); the output loads nothing from any other host and is embedded in the Go binary.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";

const out = "dist";
for (const f of readdirSync(out, { withFileTypes: true })) {
  if (f.name !== "README.md") rmSync(`${out}/${f.name}`, { recursive: true, force: true });
}
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: { map: "src/map.js", reports: "src/reports.js", upload: "src/upload.js", review: "src/review.js", signin: "src/signin.js", registry: "src/registry.js" },
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
for (const page of ["index.html", "reports.html", "upload.html", "review.html", "signin.html", "registry.html"]) cpSync(`src/${page}`, `${out}/${page}`);
