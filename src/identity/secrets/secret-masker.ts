// Keeps secret values out of what Nimbus records: a function's log lines and invocation error
// messages have every secret value and token handed to that function (through its environment
// or the API) replaced by "***", as CI systems mask their secrets. Values shorter than 4
// characters are not masked: they would mangle ordinary text and are no secret anyway.
const MASK = "***";
const MIN_MASKED_LENGTH = 4;
/**
 * Per function and kind, the newest values are kept (old instances may still print older
 * ones). Tokens rotate often; they have their own, larger list so they never push a secret out.
 */
const LIMITS = { secret: 64, token: 256 } as const;

export type MaskedKind = keyof typeof LIMITS;

interface Entry {
  readonly recent: Record<MaskedKind, string[]>;
  longestFirst: string[];
}

export class SecretMasker {
  readonly #entries = new Map<string, Entry>();

  register(app: string, functionName: string, values: Iterable<string>, kind: MaskedKind = "secret"): void {
    const key = `${app}/${functionName}`;
    const entry = this.#entries.get(key) ?? { recent: { secret: [], token: [] }, longestFirst: [] };
    const recent = entry.recent[kind];
    for (const value of values) {
      if (value.length < MIN_MASKED_LENGTH || recent.includes(value)) continue;
      recent.push(value);
      if (recent.length > LIMITS[kind]) recent.shift();
    }
    // Longest first, so a value containing another is masked whole.
    entry.longestFirst = [...entry.recent.secret, ...entry.recent.token].sort((a, b) => b.length - a.length);
    this.#entries.set(key, entry);
  }

  mask(app: string, functionName: string, text: string): string {
    const values = this.#entries.get(`${app}/${functionName}`)?.longestFirst;
    if (values === undefined) return text;
    let masked = text;
    for (const value of values) if (masked.includes(value)) masked = masked.split(value).join(MASK);
    return masked;
  }
}
