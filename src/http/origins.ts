/**
 * CORS origins from the configuration: an exact origin (`https://app.example`), or a host with
 * any port (`http://localhost:*`). Compared on the parsed origin, so `http://localhost:5173.evil`
 * or `http://localhost:*@evil` never match.
 */
export function originMatcher(allowed: readonly string[]): (origin: string | undefined) => boolean {
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const entry of allowed) {
    const wildcard = /^(https?:\/\/[^/]+):\*$/i.exec(entry);
    if (wildcard?.[1]) anyPort.add(wildcard[1].toLowerCase());
    else exact.add(new URL(entry).origin);
  }
  return (origin) => {
    if (!origin) return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.origin !== origin) return false;
    return exact.has(url.origin) || anyPort.has(`${url.protocol}//${url.hostname}`.toLowerCase());
  };
}
