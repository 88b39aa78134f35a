// A cursor over the tokens of one expression, with the parts every expression shares:
// attribute paths (`a.#b[0]`), `:value` placeholders and the `size(path)` operand.
import type { NimbusError } from "../errors.ts";
import { expressionError, type Token, type TokenKind, tokenize } from "./tokens.ts";
import type { AttributePath, ExpressionInputs, PathSegment, TableValue } from "./values.ts";

export type Operand =
  | { readonly kind: "path"; readonly path: AttributePath }
  | { readonly kind: "value"; readonly value: TableValue }
  | { readonly kind: "size"; readonly path: AttributePath };

/** Reserved words that cannot be bare attribute names (write them as #placeholders). */
const RESERVED = new Set(["AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"]);
const MAX_LIST_INDEX = 100_000;

export class TokenCursor {
  readonly kind: string;
  readonly expression: string;
  readonly inputs: ExpressionInputs;
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();
  #tokens: Token[];
  #index = 0;

  constructor(kind: string, expression: string, inputs: ExpressionInputs) {
    this.kind = kind;
    this.expression = expression;
    this.inputs = inputs;
    if (expression.trim() === "") throw expressionError(kind, expression, 0, "the expression is empty");
    this.#tokens = tokenize(kind, expression);
  }

  peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#index + offset, this.#tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.#index++;
    return token;
  }

  error(problem: string, token: Token = this.peek()): NimbusError {
    return expressionError(this.kind, this.expression, token.position, problem);
  }

  expect(kind: TokenKind, what: string): Token {
    const token = this.next();
    if (token.kind !== kind) throw this.error(`expected ${what} but found ${describe(token)}`, token);
    return token;
  }

  /** True (and consumed) when the next token is this keyword, case-insensitive. */
  keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === "identifier" && token.text.toUpperCase() === word) {
      this.#index++;
      return true;
    }
    return false;
  }

  isFunctionCall(name: string): boolean {
    const token = this.peek();
    return token.kind === "identifier" && token.text === name && this.peek(1).kind === "(";
  }

  path(): AttributePath {
    const segments: PathSegment[] = [this.nameSegment()];
    for (;;) {
      if (this.peek().kind === ".") {
        this.next();
        segments.push(this.nameSegment());
      } else if (this.peek().kind === "[") {
        this.next();
        const index = this.expect("integer", "a list index");
        const value = Number(index.text);
        if (value > MAX_LIST_INDEX) throw this.error(`list index ${value} is too large`, index);
        segments.push(value);
        this.expect("]", '"]"');
      } else return segments;
    }
  }

  operand(): Operand {
    const token = this.peek();
    if (token.kind === "valueRef") {
      this.next();
      return { kind: "value", value: this.value(token) };
    }
    if (this.isFunctionCall("size")) {
      this.next();
      this.next();
      const path = this.path();
      this.expect(")", '")"');
      return { kind: "size", path };
    }
    return { kind: "path", path: this.path() };
  }

  value(token: Token): TableValue {
    const values = this.inputs.values ?? {};
    if (!Object.hasOwn(values, token.text))
      throw this.error(`the value ${token.text} is not given (add it to the expression values)`, token);
    this.usedValues.add(token.text);
    return values[token.text] as TableValue;
  }

  end(): void {
    const token = this.peek();
    if (token.kind !== "end") throw this.error(`unexpected ${describe(token)}`, token);
  }

  nameSegment(): string {
    const token = this.next();
    if (token.kind === "nameRef") {
      const names = this.inputs.names ?? {};
      if (!Object.hasOwn(names, token.text))
        throw this.error(`the name ${token.text} is not given (add it to the expression names)`, token);
      this.usedNames.add(token.text);
      return names[token.text] as string;
    }
    if (token.kind !== "identifier")
      throw this.error(`expected an attribute name but found ${describe(token)}`, token);
    if (RESERVED.has(token.text.toUpperCase()))
      throw this.error(`"${token.text}" is a reserved word; write it as a #name placeholder`, token);
    return token.text;
  }
}

export function describe(token: Token): string {
  return token.kind === "end" ? "the end of the expression" : `"${token.text}"`;
}
