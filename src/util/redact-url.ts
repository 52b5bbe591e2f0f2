/** A URL made safe for messages and logs: any user name and password replaced by "***". Pure. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return u.href;
    u.username = '***';
    u.password = '';
    return u.href;
  } catch {
    return redactUrlsIn(url);
  }
}

/** Every `scheme://user:password@` in free text (an error message) with the userinfo replaced. */
export function redactUrlsIn(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}
