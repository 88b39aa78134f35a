// The tokenizer shared by every table expression (condition, update, key condition, filter,
// projection). Positions are kept so an error can say where the expression went wrong.
import { NimbusError } from "../errors.ts";

export type TokenKind =
  | "identifier"
  | "nameRef"
  | "valueRef"
  | "integer"
  | "comparator"
  | "arithmetic"
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "."
  | "end";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 0-based character offset in the expression. */
  readonly position: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = {
  "(": "(",
  ")": ")",
  "[": "[",
  "]": "]",
  ",": ",",
  ".": ".",
  "+": "arithmetic",
  "-": "arithmetic",
};

export function expressionError(
  kind: string,
  expression: string,
  position: number,
  problem: string,
): NimbusError {
  return new NimbusError(
    "TABLE_EXPRESSION_INVALID",
    `${kind} expression "${expression}": ${problem} at position ${position + 1}`,
    { details: { expression, position: position + 1 } },
  );
}

export function tokenize(kind: string, expression: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const char = expression[index] as string;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const start = index;
    const two = expression.slice(index, index + 2);
    if (two === "<=" || two === ">=" || two === "<>") {
      tokens.push({ kind: "comparator", text: two, position: start });
      index += 2;
    } else if (char === "=" || char === "<" || char === ">") {
      tokens.push({ kind: "comparator", text: char, position: start });
      index++;
    } else if (SINGLE[char]) {
      tokens.push({ kind: SINGLE[char], text: char, position: start });
      index++;
    } else if (char === "#" || char === ":" || /[A-Za-z_]/.test(char)) {
      index++;
      while (index < expression.length && /[A-Za-z0-9_]/.test(expression[index] as string)) index++;
      const text = expression.slice(start, index);
      if (text.length === 1 && char !== "_" && !/[A-Za-z]/.test(char))
        throw expressionError(kind, expression, start, `"${char}" must be followed by a name`);
      tokens.push({
        kind: char === "#" ? "nameRef" : char === ":" ? "valueRef" : "identifier",
        text,
        position: start,
      });
    } else if (/[0-9]/.test(char)) {
      while (index < expression.length && /[0-9]/.test(expression[index] as string)) index++;
      tokens.push({ kind: "integer", text: expression.slice(start, index), position: start });
    } else {
      throw expressionError(kind, expression, start, `unexpected character "${char}"`);
    }
  }
  tokens.push({ kind: "end", text: "", position: expression.length });
  return tokens;
}
