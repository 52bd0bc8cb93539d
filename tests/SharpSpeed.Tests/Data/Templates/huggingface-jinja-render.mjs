// Independent reference for the chat-template parity tests: renders each case with @huggingface/jinja
// (the JavaScript implementation transformers.js uses). Usage: node huggingface-jinja-render.mjs PACKAGE_DIR < cases.json
// cases.json: [{"template": "...", "context": {...}}, ...]; prints [{"text": "..."} | {"error": "..."}, ...].
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { Template } = await import(pathToFileURL(join(process.argv[2], "dist", "index.js")).href);
const cases = JSON.parse(readFileSync(0, "utf8"));
const results = cases.map(({ template, context }) => {
  try {
    return { text: new Template(template).render(context) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(results));
