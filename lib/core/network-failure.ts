// Plain words for the ways a connection fails, shared by every client that reports an address a
// person typed: a wrong host or port must read as a setting to fix, not as a system message.

const WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused (nothing listens at that address and port)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved just now',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  ECONNRESET: 'the connection was reset',
};

const TLS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/** Words for a connection failure's code, or undefined when the code is not one a wrong address or certificate causes. */
export function networkFailureWords(code: string, message = ''): string | undefined {
  const words = WORDS[code];
  if (words !== undefined) return words;
  if (TLS.test(code)) return `its TLS certificate is not trusted${message === '' ? '' : `: ${message}`}`;
  return undefined;
}
