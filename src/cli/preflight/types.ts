import path from 'node:path';
import type TS from 'typescript';

/**
 * Type-checks the selected scenario files as `tsc` would with the project's tsconfig.json (the
 * files themselves; the framework's own sources are `npm run typecheck`'s job): a misspelt
 * `pilot.setPositon` fails here, before anything flies, not after the vehicle has armed. One line
 * per error, `file:line:col: message` (TypeScript's own "Did you mean" included).
 * Also returns every project file the program read, for the cache.
 */
export function typeCheck(ts: typeof TS, files: string[], root = process.cwd()): { program: TS.Program; errors: string[]; inputs: string[] } {
  const configFile = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  const config = configFile ? ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }) : undefined;
  const program = ts.createProgram(files, { ...(config?.options ?? { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }), noEmit: true });
  const errors: string[] = [];
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      if (d.category !== ts.DiagnosticCategory.Error) continue;
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]!;
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const name = d.file ? path.relative(root, d.file.fileName) : path.relative(root, file);
      errors.push(`${name}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: ${text} (TS${d.code})`);
    }
  }
  const inputs = [...(configFile ? [configFile] : []), ...program.getSourceFiles().map((s) => s.fileName).filter((f) => !f.includes('/node_modules/'))];
  return { program, errors, inputs };
}
