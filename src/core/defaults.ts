/** The port `nimbus dev` and `nimbus up` listen on, and the CLI talks to, by default. */
export const DEFAULT_PORT = 8787;
