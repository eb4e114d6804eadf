/**
 * What the recorded histories were recorded against: the project files the workflow bundle is built
 * from (workflows/ and the domain/ files they import), each hashed by its code alone. Types,
 * comments and formatting are left out (each file is transpiled and its tokens hashed), so a
 * comment or a reflow does not ask for a new history; any change to what runs does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const historiesDir = path.join(root, 'test/replay/histories');

/** Written beside each set of histories by `npm run test:record-histories`. */
export interface SourcesManifest {
  /** When the set was recorded (ISO 8601). */
  recorded: string;
  /** One hash over `files`. */
  hash: string;
  /** Repository path → hash of that file's code. */
  files: Record<string, string>;
}

/** The workflow bundle the worker runs, built as the replay test and the worker build it. */
export function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
}

/** The project files a bundle was built from, read from its inline source map. */
export function bundledProjectFiles(bundle: { code: string }): string[] {
  const m = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(bundle.code);
  if (!m) throw new Error('the workflow bundle carries no inline source map');
  const map = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { sources: string[] };
  return map.sources
    .filter(
      (s) => path.isAbsolute(s) && s.startsWith(root + path.sep) && !s.includes(`${path.sep}node_modules${path.sep}`),
    )
    .map((s) => path.relative(root, s).split(path.sep).join('/'))
    .filter((rel) => existsSync(path.join(root, rel)))
    .sort();
}

/** A file's code as a token stream: transpiled to JavaScript (no types), then its tokens without trivia. */
export function codeOf(source: string, fileName: string): string {
  const js = ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: true },
  }).outputText;
  const file = ts.createSourceFile(
    fileName.replace(/\.ts$/, '.js'),
    js,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.JS,
  );
  const tokens: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.getChildCount(file) === 0) tokens.push(node.getText(file));
    else node.getChildren(file).forEach(visit);
  };
  visit(file);
  // A trailing comma (which Prettier adds when it breaks a list) changes nothing.
  const closers = new Set([')', ']', '}']);
  const kept = tokens.filter(
    (t, i) => t !== '' && !(t === ',' && closers.has(tokens[i + 1]!) && !['[', ','].includes(tokens[i - 1]!)),
  );
  return kept.join(' ');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The manifest of the given project files as they are on disk now. */
export function sourcesManifest(files: string[], recorded = new Date()): SourcesManifest {
  const hashes = Object.fromEntries(
    files.map((f) => [f, sha256(codeOf(readFileSync(path.join(root, f), 'utf8'), f))] as const),
  );
  const hash = sha256(JSON.stringify(Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b))));
  return { recorded: recorded.toISOString(), hash, files: hashes };
}

/** What differs between the sources a set was recorded against and the current ones. */
export function sourceChanges(recorded: SourcesManifest, current: SourcesManifest): string[] {
  const all = new Set([...Object.keys(recorded.files), ...Object.keys(current.files)]);
  return [...all]
    .sort()
    .flatMap((f) =>
      !(f in recorded.files)
        ? [`${f} (new)`]
        : !(f in current.files)
          ? [`${f} (no longer in the bundle)`]
          : recorded.files[f] !== current.files[f]
            ? [`${f} (changed)`]
            : [],
    );
}
