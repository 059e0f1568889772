/**
 * Reads the package's public API out of its entry points with the TypeScript compiler: every
 * exported symbol with its signature as declared and its doc comment, and the members of its
 * interfaces and classes with theirs. Only what the project declares is listed (an error class's
 * `message` from lib.d.ts is not), and private or protected members are left out.
 */
import path from 'node:path';
import ts from 'typescript';

export type ApiKind = 'function' | 'class' | 'interface' | 'type' | 'const';

export interface ApiMember {
  name: string;
  /** One line: `name: Type`, `name(args): Ret`, `readonly name: Type`. */
  signature: string;
  doc: string;
}

export interface ApiSymbol {
  name: string;
  kind: ApiKind;
  /** The entry point it is exported from, relative to the root (`fixtures/index.ts`). */
  entry: string;
  /** The file it is declared in, relative to the root. */
  file: string;
  /** As declared: one line per overload, or a type's definition. */
  signature: string[];
  doc: string;
  members: ApiMember[];
}

/** A doc comment missing from the reference: `useFlight`, or `Flight.phase` for a member. */
export type Undocumented = string;

export interface ApiModel {
  symbols: ApiSymbol[];
  undocumented: Undocumented[];
}

const PRINT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
/** A type alias's definition, spelled out rather than named by the alias itself. */
const DEFINITION = ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.InTypeAlias | ts.NodeBuilderFlags.MultilineObjectLiterals | ts.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope;
const printer = ts.createPrinter({ removeComments: true });

/** An optional property's `| undefined` (zod's inferred types carry it) says nothing more. */
function dropOptionalUndefined(text: string): string {
  return text.replace(/\?: ([^;\n]*?) \| undefined(;|$)/gm, '?: $1$2');
}

/** The whitespace of source text folded to single spaces: signatures are one line each. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\(\s/g, '(').replace(/\s\)/g, ')').trim();
}

/** Doc comment text with its tags (`@param`, `@example`, …) as the compiler reads them. */
function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol.getJsDocTags(checker).map((t) => `@${t.name}${t.text ? ` ${ts.displayPartsToString(t.text)}` : ''}`);
  return [text, ...tags].filter(Boolean).join('\n');
}

export class ApiExtractor {
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;

  constructor(
    private readonly root: string,
    private readonly entries: readonly string[],
  ) {
    const configFile = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
    const options: ts.CompilerOptions = configFile
      ? ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, root).options
      : {};
    this.program = ts.createProgram(entries.map((e) => path.join(root, e)), { ...options, noEmit: true });
    this.checker = this.program.getTypeChecker();
  }

  extract(): ApiModel {
    const symbols: ApiSymbol[] = [];
    const undocumented: Undocumented[] = [];
    for (const entry of this.entries) {
      const source = this.program.getSourceFile(path.join(this.root, entry));
      const moduleSymbol = source && this.checker.getSymbolAtLocation(source);
      if (!moduleSymbol) throw new Error(`api-docs: ${entry}: not a module the compiler could read`);
      for (const exported of this.checker.getExportsOfModule(moduleSymbol)) {
        const s = this.describe(exported, entry);
        if (!s) continue;
        symbols.push(s);
        if (!s.doc) undocumented.push(s.name);
        // A constructor is documented by its class; its parameters that are properties are members.
        for (const m of s.members) if (!m.doc && m.name !== 'constructor') undocumented.push(`${s.name}.${m.name}`);
      }
    }
    return { symbols, undocumented };
  }

  private inProject(node: ts.Node): boolean {
    const file = node.getSourceFile().fileName;
    return !file.includes('/node_modules/') && path.resolve(file).startsWith(this.root + path.sep);
  }

  private relative(node: ts.Node): string {
    return path.relative(this.root, node.getSourceFile().fileName).split(path.sep).join('/');
  }

  private describe(exported: ts.Symbol, entry: string): ApiSymbol | null {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(exported) : exported;
    const decls = (symbol.declarations ?? []).filter((d) => this.inProject(d));
    if (decls.length === 0) return null;
    // `export { type X }` of a name that is both a zod schema and its type: the type is the API.
    const typeOnly = exported.declarations?.some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) ?? false;
    const pick = <T extends ts.Declaration>(is: (d: ts.Node) => d is T) => decls.find(is);
    const base = { name: exported.name, entry, doc: docOf(symbol, this.checker) };

    const fn = decls.filter(ts.isFunctionDeclaration);
    if (fn.length > 0) {
      // Overloaded: the overload signatures, not the implementation's.
      const declared = fn.filter((f) => f.body === undefined);
      const overloads = declared.length > 0 ? declared : fn;
      return { ...base, kind: 'function', file: this.relative(fn[0]!), signature: overloads.map((f) => `function ${exported.name}${this.callSignature(f)}`), members: [] };
    }
    const cls = pick(ts.isClassDeclaration);
    // A class exported as a type only is not constructed by its users: no constructor listed.
    if (cls) return { ...base, kind: 'class', file: this.relative(cls), signature: [this.classHeader(cls, exported.name)], members: this.classMembers(cls, !typeOnly) };
    const iface = pick(ts.isInterfaceDeclaration);
    if (iface) {
      const type = this.checker.getDeclaredTypeOfSymbol(symbol);
      return { ...base, kind: 'interface', file: this.relative(iface), signature: [this.interfaceHeader(iface, exported.name)], members: this.typeMembers(type, exported.name) };
    }
    const alias = pick(ts.isTypeAliasDeclaration);
    if (alias) {
      const type = this.checker.getDeclaredTypeOfSymbol(symbol);
      const params = alias.typeParameters ? `<${alias.typeParameters.map((p) => oneLine(p.getText())).join(', ')}>` : '';
      // A zod-derived or instantiated type reads as its source; its resolved shape is what a user writes.
      const derived = /\bz\.(infer|input|output)\b|\btypeof\b/.test(alias.type.getText()) || (ts.isTypeReferenceNode(alias.type) && alias.type.typeArguments !== undefined);
      const definition = derived ? this.spelledOut(type, alias) : oneLine(alias.type.getText()).replace(/^\| /, '');
      const objectLike = (type.flags & ts.TypeFlags.Object) !== 0 || type.isIntersection();
      const members = derived && objectLike && !type.isUnion() ? this.typeMembers(type, exported.name) : [];
      return { ...base, kind: 'type', file: this.relative(alias), signature: [`type ${exported.name}${params} = ${definition}`], members };
    }
    const variable = pick(ts.isVariableDeclaration);
    if (variable && !typeOnly) {
      const type = this.checker.getTypeOfSymbolAtLocation(symbol, variable);
      const declared = variable.type ? oneLine(variable.type.getText()) : this.checker.typeToString(type, variable, PRINT);
      return { ...base, kind: 'const', file: this.relative(variable), signature: [`const ${exported.name}: ${declared}`], members: [] };
    }
    return null;
  }

  /** A type as its structure, object literals one member a line. */
  private spelledOut(type: ts.Type, at: ts.Node): string {
    const node = this.checker.typeToTypeNode(type, at, DEFINITION);
    if (!node) return this.checker.typeToString(type, at, PRINT);
    return dropOptionalUndefined(printer.printNode(ts.EmitHint.Unspecified, node, at.getSourceFile()));
  }

  /** `(a: A, b?: B): R` as written, defaults shown as optional parameters. */
  private callSignature(d: ts.SignatureDeclaration): string {
    const typeParams = d.typeParameters ? `<${d.typeParameters.map((p) => oneLine(p.getText())).join(', ')}>` : '';
    const params = d.parameters.map((p) => this.parameter(p)).join(', ');
    let ret = d.type ? oneLine(d.type.getText()) : '';
    if (!ret) {
      const sig = this.checker.getSignatureFromDeclaration(d);
      ret = sig ? this.checker.typeToString(sig.getReturnType(), d, PRINT) : 'void';
    }
    return `${typeParams}(${params}): ${ret}`;
  }

  private parameter(p: ts.ParameterDeclaration): string {
    const optional = p.questionToken || p.initializer ? '?' : '';
    const type = p.type ? oneLine(p.type.getText()) : this.checker.typeToString(this.checker.getTypeAtLocation(p), p, PRINT);
    return `${p.dotDotDotToken ? '...' : ''}${p.name.getText()}${optional}: ${type}`;
  }

  private heritage(clauses: ts.NodeArray<ts.HeritageClause> | undefined): string {
    return (clauses ?? []).map((c) => ` ${c.token === ts.SyntaxKind.ExtendsKeyword ? 'extends' : 'implements'} ${c.types.map((t) => oneLine(t.getText())).join(', ')}`).join('');
  }

  private typeParams(d: ts.ClassDeclaration | ts.InterfaceDeclaration): string {
    return d.typeParameters ? `<${d.typeParameters.map((p) => oneLine(p.getText())).join(', ')}>` : '';
  }

  private interfaceHeader(d: ts.InterfaceDeclaration, name: string): string {
    return `interface ${name}${this.typeParams(d)}${this.heritage(d.heritageClauses)}`;
  }

  private classHeader(d: ts.ClassDeclaration, name: string): string {
    return `class ${name}${this.typeParams(d)}${this.heritage(d.heritageClauses)}`;
  }

  /** The properties of an object type that the project declares, with their declared types. */
  private typeMembers(type: ts.Type, owner: string): ApiMember[] {
    const out: ApiMember[] = [];
    for (const prop of this.checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl || !this.inProject(decl)) continue;
      out.push({ name: prop.name, signature: this.memberSignature(prop, decl, owner), doc: docOf(prop, this.checker) });
    }
    return out;
  }

  private memberSignature(prop: ts.Symbol, decl: ts.Declaration, owner: string): string {
    const optional = prop.flags & ts.SymbolFlags.Optional ? '?' : '';
    if (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl)) return `${prop.name}${optional}${this.callSignature(decl)}`;
    const readonly = ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Readonly ? 'readonly ' : '';
    const typeNode = (decl as { type?: ts.TypeNode }).type;
    const type = typeNode ? oneLine(typeNode.getText()) : this.checker.typeToString(this.checker.getTypeOfSymbolAtLocation(prop, decl), decl, PRINT);
    if (!type) throw new Error(`api-docs: ${owner}.${prop.name}: no type`);
    return dropOptionalUndefined(`${readonly}${prop.name}${optional}: ${type}`);
  }

  /** Public constructor, properties, accessors and methods, in declaration order. */
  private classMembers(cls: ts.ClassDeclaration, constructible: boolean): ApiMember[] {
    const out: ApiMember[] = [];
    const hidden = (d: ts.ClassElement) =>
      (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (d.name !== undefined && ts.isPrivateIdentifier(d.name));
    const seen = new Set<string>();
    const doc = (node: ts.Node) => {
      const s = this.checker.getSymbolAtLocation((node as ts.NamedDeclaration).name ?? node);
      return s ? docOf(s, this.checker) : '';
    };
    for (const m of cls.members) {
      if (hidden(m)) continue;
      if (ts.isConstructorDeclaration(m)) {
        const overloads = cls.members.filter(ts.isConstructorDeclaration);
        if (m.body && overloads.length > 1) continue;
        const sig = this.checker.getSignatureFromDeclaration(m);
        const params = m.parameters.map((p) => this.parameter(p)).join(', ');
        if (constructible) out.push({ name: 'constructor', signature: `new ${cls.name?.getText() ?? ''}(${params})`, doc: sig ? ts.displayPartsToString(sig.getDocumentationComment(this.checker)).trim() : '' });
        for (const p of m.parameters) {
          const flags = ts.getCombinedModifierFlags(p);
          if (!ts.isParameterPropertyDeclaration(p, m) || flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
          const readonly = flags & ts.ModifierFlags.Readonly ? 'readonly ' : '';
          out.push({ name: p.name.getText(), signature: `${readonly}${this.parameter(p).replace('?:', ':')}`, doc: doc(p) });
        }
        continue;
      }
      if (!m.name || ts.isClassStaticBlockDeclaration(m) || ts.isIndexSignatureDeclaration(m) || ts.isSemicolonClassElement(m)) continue;
      const name = m.name.getText();
      if (ts.isMethodDeclaration(m)) {
        const overloads = cls.members.filter((x) => ts.isMethodDeclaration(x) && x.name.getText() === name);
        if (m.body && overloads.length > 1) continue;
        const isStatic = ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static ? 'static ' : '';
        out.push({ name, signature: `${isStatic}${name}${this.callSignature(m)}`, doc: doc(m) });
      } else if (ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
        if (seen.has(name)) continue;
        seen.add(name);
        const getter = cls.members.find((x): x is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(x) && x.name.getText() === name);
        const setter = cls.members.some((x) => ts.isSetAccessorDeclaration(x) && x.name.getText() === name);
        const type = getter?.type ? oneLine(getter.type.getText()) : this.checker.typeToString(this.checker.getTypeAtLocation(m), m, PRINT);
        out.push({ name, signature: `${setter ? '' : 'readonly '}${name}: ${type}`, doc: doc(getter ?? m) });
      } else if (ts.isPropertyDeclaration(m)) {
        const flags = ts.getCombinedModifierFlags(m);
        // `override name = 'WaitTimeout'` on an Error subclass is its identity, not API to read.
        if (flags & ts.ModifierFlags.Override && name === 'name') continue;
        const type = m.type ? oneLine(m.type.getText()) : this.checker.typeToString(this.checker.getTypeAtLocation(m), m, PRINT);
        const prefix = `${flags & ts.ModifierFlags.Static ? 'static ' : ''}${flags & ts.ModifierFlags.Readonly ? 'readonly ' : ''}`;
        out.push({ name, signature: `${prefix}${name}${m.questionToken ? '?' : ''}: ${type}`, doc: doc(m) });
      }
    }
    return out;
  }
}

/** The API of the package's entry points under `root`. */
export function extractApi(root: string, entries: readonly string[]): ApiModel {
  return new ApiExtractor(path.resolve(root), entries).extract();
}
