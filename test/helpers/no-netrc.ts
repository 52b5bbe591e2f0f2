/**
 * A bare environment for code that looks up netrc credentials: with no HOME it would read the
 * account's ~/.netrc (os.homedir(), as curl does), so a developer's `default` entry would send a
 * password to every test server. NETRC names a file that does not exist: no credentials.
 */
export function noNetrc(): NodeJS.ProcessEnv {
  return { NETRC: '/nonexistent/tczbuild-tests/.netrc' };
}
