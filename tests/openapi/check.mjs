// SPDX-License-Identifier: GPL-2.0
/*
 * The OpenAPI document's checks that need a validator (make check; the
 * packages are installed by scripts/install-deps, from this directory's
 * lock file, into NUSE_TOOLS_DIR):
 *
 *   check.mjs doc FILE
 *	FILE is a valid OpenAPI 3.1 document (the specification's own JSON
 *	Schema, every $ref resolved), and each of its Schema Objects is a
 *	valid JSON Schema 2020-12 (strict: an unknown keyword is an error).
 *   check.mjs answer FILE METHOD PATTERN STATUS CONTENT_TYPE BODY_FILE [HEADERS_FILE]
 *	An answer the appliance gave is one the document describes: the
 *	status is listed for the operation, with this media type, and the
 *	body (JSON) validates against its schema.  With HEADERS_FILE (as
 *	curl -D writes it), each of the API's own headers the answer has is
 *	documented for it, and a documented Location is there.
 *
 * Exit status 0 when it holds, 1 with the reasons on stderr otherwise.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { argv, env, exit } from "node:process";
import { pathToFileURL } from "node:url";

const tools = env.NUSE_TOOLS_DIR || "/usr/local/lib/nuse-appliance-tools";
const modules = join(tools, "node_modules");
const require = createRequire(join(modules, "ajv", "package.json"));
const ID = "http://nuse-appliance.invalid/openapi.json";

function die(msg) {
	console.error(`openapi check: ${msg}`);
	exit(1);
}

let Ajv2020;
try {
	Ajv2020 = require("ajv/dist/2020").default;
} catch (e) {
	die(`no validator in ${tools} (run scripts/install-deps): ${e.message}`);
}

// The document's Schema Objects as one JSON Schema resource, their refs
// into #/components/schemas/ turned into refs into its $defs.
function schemaResource(doc) {
	const text = JSON.stringify(doc.components?.schemas ?? {});
	return { $id: ID, $defs: JSON.parse(text.replaceAll('"#/components/schemas/', `"${ID}#/$defs/`)) };
}

function relocate(schema) {
	return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${ID}#/$defs/`));
}

function newAjv(doc) {
	const ajv = new Ajv2020({ strict: true, allErrors: true });
	ajv.addSchema(schemaResource(doc));
	return ajv;
}

// Follow a local $ref of the document (components other than schemas).
function deref(doc, o) {
	for (let n = 0; o && o.$ref; n++) {
		if (n > 8 || !o.$ref.startsWith("#/"))
			die(`cannot follow ${o.$ref}`);
		o = o.$ref.slice(2).split("/").reduce((v, k) => v?.[k.replaceAll("~1", "/").replaceAll("~0", "~")], doc);
	}
	return o;
}

// Every inline schema of the operations: parameters, bodies, answers, headers.
function* inlineSchemas(doc) {
	const comp = doc.components ?? {};
	const media = (where, content) => Object.entries(content ?? {}).map(([t, m]) => [`${where} ${t}`, m.schema]);
	const response = (where, r) => [...media(where, r.content),
		...Object.entries(r.headers ?? {}).map(([h, v]) => [`${where} header ${h}`, deref(doc, v).schema])];
	for (const [n, p] of Object.entries(comp.parameters ?? {}))
		yield [`parameter ${n}`, p.schema];
	for (const [n, h] of Object.entries(comp.headers ?? {}))
		yield [`header ${n}`, h.schema];
	for (const [n, r] of Object.entries(comp.responses ?? {}))
		yield* response(`response ${n}`, r);
	for (const [path, item] of Object.entries(doc.paths ?? {}))
		for (const [m, o] of Object.entries(item)) {
			if (m === "parameters") {
				for (const p of o)
					yield [`${path} parameter`, deref(doc, p).schema];
				continue;
			}
			if (typeof o !== "object")
				continue;
			const at = `${m.toUpperCase()} ${path}`;
			for (const p of o.parameters ?? [])
				yield [`${at} parameter`, deref(doc, p).schema];
			if (o.requestBody)
				yield* media(`${at} body`, deref(doc, o.requestBody).content);
			for (const [s, r] of Object.entries(o.responses ?? {}))
				yield* response(`${at} ${s}`, deref(doc, r));
		}
}

async function checkDoc(file) {
	const { Validator } = await import(
		pathToFileURL(join(modules, "@seriousme/openapi-schema-validator/index.js")));
	const doc = JSON.parse(readFileSync(file, "utf8"));
	const res = await new Validator().validate(doc);
	let bad = 0;

	if (!res.valid)
		die(`${file} is not a valid OpenAPI document: ${JSON.stringify(res.errors, null, 1)}`);
	if (!/^3\.1\./.test(doc.openapi))
		die(`${file}: openapi is ${doc.openapi}, not 3.1.x`);
	let ajv;
	try {
		ajv = newAjv(doc);
		for (const name of Object.keys(doc.components?.schemas ?? {}))
			ajv.getSchema(`${ID}#/$defs/${name}`);
	} catch (e) {
		die(`${file}: components/schemas: ${e.message}`);
	}
	for (const [where, schema] of inlineSchemas(doc)) {
		if (schema === undefined)
			continue;
		try {
			ajv.compile(relocate(schema));
		} catch (e) {
			console.error(`openapi check: ${file}: ${where}: ${e.message}`);
			bad++;
		}
	}
	if (bad)
		exit(1);
	console.log(`${file}: a valid OpenAPI ${doc.openapi} document`);
}

// The headers the API itself sets (api_respond(), idem.c); the others
// are HTTP's own (Content-Length, Date, ...).
const apiHeaders = ["location", "allow", "retry-after", "www-authenticate", "idempotent-replayed"];

function checkHeaders(what, r, headersFile) {
	const documented = Object.keys(r.headers ?? {}).map(h => h.toLowerCase());
	const got = readFileSync(headersFile, "utf8").split(/\r?\n/)
		.map(l => l.split(":")[0].trim().toLowerCase()).filter(h => apiHeaders.includes(h));

	for (const h of got)
		if (!documented.includes(h))
			die(`${what}: the answer has ${h}, which the document does not list`);
	if (documented.includes("location") && !got.includes("location"))
		die(`${what}: the document lists Location, the answer has none`);
}

function checkAnswer(file, method, pattern, status, ctype, bodyFile, headersFile) {
	const doc = JSON.parse(readFileSync(file, "utf8"));
	const what = `${method} ${pattern} ${status}`;
	const o = doc.paths?.[pattern]?.[method.toLowerCase()];

	if (!o)
		die(`${method} ${pattern} is not in the document`);
	const r = deref(doc, o.responses?.[status]);
	if (!r)
		die(`${what}: the document lists no such answer (${Object.keys(o.responses).join(" ")})`);
	if (headersFile)
		checkHeaders(what, r, headersFile);
	if (!r.content) {
		if (readFileSync(bodyFile).length)
			die(`${what}: the document says no body, the answer has one`);
		return;
	}
	const type = ctype.trim();
	const base = type.split(";")[0].trim().toLowerCase();
	const key = Object.keys(r.content).find(t => t === type) ??
		Object.keys(r.content).find(t => t.split(";")[0].trim().toLowerCase() === base);
	if (!key)
		die(`${what}: answered ${type}, the document has ${Object.keys(r.content).join(", ")}`);
	if (!base.endsWith("json"))
		return;
	const body = JSON.parse(readFileSync(bodyFile, "utf8"));
	const validate = newAjv(doc).compile(relocate(r.content[key].schema ?? {}));
	if (!validate(body))
		die(`${what}: the body does not fit the document: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`);
}

if (argv[2] === "doc" && argv.length === 4)
	await checkDoc(argv[3]);
else if (argv[2] === "answer" && (argv.length === 9 || argv.length === 10))
	checkAnswer(...argv.slice(3));
else
	die("usage: check.mjs doc FILE | answer FILE METHOD PATTERN STATUS CONTENT_TYPE BODY_FILE [HEADERS_FILE]");
