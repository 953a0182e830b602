// Parse one HCL file with HashiCorp's Go HCL parser (hclsyntax, compiled to WebAssembly and
// shipped as the npm package @cdktf/hcl2json) and print the resulting JSON on stdout.
//
// Usage: node tests/hcl2json/parse.mjs FILE.hcl
// Exit status: 0 and JSON on stdout on success; 1 with the error on stderr otherwise.
//
// Used by tests/escaping.rs to check nomad-build's HCL string escaping against the reference
// implementation. Install the pinned dependency first: npm ci --prefix tests/hcl2json
import { readFile } from "node:fs/promises";
import hcl2json from "@cdktf/hcl2json";

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node parse.mjs FILE.hcl\n");
  process.exit(2);
}

try {
  const contents = await readFile(file, "utf8");
  // parse(filename, contents) resolves to the parsed JSON object and rejects with an Error
  // carrying HCL's diagnostics when the file does not parse.
  const json = await hcl2json.parse(file, contents);
  process.stdout.write(JSON.stringify(json) + "\n", () => process.exit(0));
} catch (err) {
  process.stderr.write(`${file}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
