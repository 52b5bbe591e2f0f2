/**
 * Shell completion scripts rendered from the command table: command words, each command's
 * options, arch names for --arch, directories and files for path options, and recipe names
 * (recipes/*.yaml) for the commands that take them, for bash, zsh (native: compadd) and fish.
 * Pure: takes the commands' paths and option names, returns script text.
 */
import { tinyCoreArches } from '../recipe/arch.js';

export interface CompletableCommand {
  readonly path: readonly string[];
  readonly options: readonly string[];
  /** Options that take a value (the rest are switches). */
  readonly valued: readonly string[];
  /** Whether positional words are recipe names. */
  readonly takesRecipes: boolean;
}

const q = (words: readonly string[]): string => words.join(' ');

export function bashCompletion(commands: readonly CompletableCommand[]): string {
  const first = [...new Set(commands.map((c) => c.path[0]!))].sort();
  const second = new Map<string, string[]>();
  for (const c of commands) if (c.path.length > 1) second.set(c.path[0]!, [...(second.get(c.path[0]!) ?? []), c.path[1]!]);
  const optionCases = commands.map((c) => `    '${c.path.join(' ')}') opts='${q([...c.options].sort())}' ;;`).join('\n');
  const recipeCommands = commands.filter((c) => c.takesRecipes).map((c) => `'${c.path.join(' ')}'`);
  const subCases = [...second].map(([w, subs]) => `    ${w}) sub='${q(subs.sort())}' ;;`).join('\n');
  return `# tczbuild completion for bash: eval "$(tczbuild completion bash)"
_tczbuild() {
  local cur prev cmd sub opts i
  cur=\${COMP_WORDS[COMP_CWORD]}
  prev=\${COMP_WORDS[COMP_CWORD-1]}
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W '${q([...first, 'help'])}' -- "$cur")
    return 0
  fi
  cmd=\${COMP_WORDS[1]}
  sub=''
  case "$cmd" in
${subCases}
  esac
  if [ -n "$sub" ]; then
    if [ "$COMP_CWORD" -eq 2 ]; then
      mapfile -t COMPREPLY < <(compgen -W "$sub" -- "$cur")
      return 0
    fi
    cmd="$cmd \${COMP_WORDS[2]}"
  fi
  opts=''
  case "$cmd" in
${optionCases}
  esac
  case "$prev" in
    --arch) mapfile -t COMPREPLY < <(compgen -W '${q(tinyCoreArches)}' -- "$cur"); return 0 ;;
    --recipes|--overlays|--out|--cache|--cache-dir|--work|--kernel-config|--kernel-tree) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return 0
  fi
  case "$cmd" in
    completion) mapfile -t COMPREPLY < <(compgen -W 'bash zsh fish' -- "$cur"); return 0 ;;
    ${recipeCommands.length ? recipeCommands.join('|') : "''"})
      local dir=recipes names=()
      for ((i = 1; i < COMP_CWORD; i++)); do [ "\${COMP_WORDS[i]}" = --recipes ] && dir=\${COMP_WORDS[i+1]}; done
      for i in "$dir"/*.yaml "$dir"/*.yml; do [ -e "$i" ] && { i=\${i##*/}; names+=("\${i%.y*ml}"); }; done
      mapfile -t COMPREPLY < <(compgen -W "\${names[*]}" -- "$cur")
      return 0 ;;
  esac
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _tczbuild tczbuild
`;
}

/** Options whose value is a directory, and those whose value is a file. */
const dirOptions = ['--recipes', '--overlays', '--out', '--cache', '--cache-dir', '--work', '--kernel-config', '--kernel-tree', '--log-dir', '--boxes'];
const fileOptions = ['--box', '--config', '--ca-file'];

/**
 * zsh, natively (compadd and _files; no bashcompinit, whose bash-only builtins such as mapfile
 * zsh lacks). Works both from a directory on $fpath (#compdef) and through eval.
 */
export function zshCompletion(commands: readonly CompletableCommand[]): string {
  const { first, second } = commandWords(commands);
  const subCases = [...second].map(([w, subs]) => `    ${w}) sub=(${q(subs.sort())}) ;;`).join('\n');
  const optionCases = commands.map((c) => `    '${c.path.join(' ')}') opts=(${q([...c.options].sort())}) ;;`).join('\n');
  const recipeCommands = commands.filter((c) => c.takesRecipes).map((c) => `'${c.path.join(' ')}'`);
  return `#compdef tczbuild
# tczbuild completion for zsh: eval "$(tczbuild completion zsh)" after compinit, or save it
# as _tczbuild in a directory on $fpath.
_tczbuild() {
  local cmd cur prev dir i
  local -a sub opts names
  cur=\${words[CURRENT]}
  prev=\${words[CURRENT-1]}
  if (( CURRENT == 2 )); then
    compadd -- ${q([...first, 'help'])}
    return
  fi
  cmd=\${words[2]}
  sub=()
  case $cmd in
${subCases}
  esac
  if (( \${#sub} )); then
    if (( CURRENT == 3 )); then
      compadd -- $sub
      return
    fi
    cmd="$cmd \${words[3]}"
  fi
  opts=()
  case $cmd in
${optionCases}
  esac
  case $prev in
    --arch) compadd -- ${q(tinyCoreArches)}; return ;;
    ${dirOptions.join('|')}) _files -/; return ;;
    ${fileOptions.join('|')}) _files; return ;;
  esac
  if [[ $cur == -* ]]; then
    compadd -- $opts
    return
  fi
  case $cmd in
    completion) compadd -- bash zsh fish; return ;;
    ${recipeCommands.length ? recipeCommands.join('|') : "''"})
      dir=recipes
      for (( i = 2; i < CURRENT; i++ )); do [[ \${words[i]} == --recipes ]] && dir=\${words[i+1]}; done
      names=($dir/*.y(a|)ml(N:t:r))
      compadd -- $names
      return ;;
  esac
  _files
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _tczbuild "$@"
else
  compdef _tczbuild tczbuild
fi
`;
}

/** fish: one `complete` line per command word, option and value list. */
export function fishCompletion(commands: readonly CompletableCommand[]): string {
  const { first, second } = commandWords(commands);
  const lines: string[] = [
    '# tczbuild completion for fish: tczbuild completion fish > ~/.config/fish/completions/tczbuild.fish',
    'function __tczbuild_recipes',
    '    set -l dir recipes',
    '    set -l words (commandline -opc)',
    '    for i in (seq (count $words))',
    '        if test "$words[$i]" = --recipes; and test $i -lt (count $words)',
    '            set dir $words[(math $i + 1)]',
    '        end',
    '    end',
    '    for f in $dir/*.yaml $dir/*.yml',
    '        string replace -r \'\\.ya?ml$\' \'\' -- (basename $f)',
    '    end',
    'end',
    'complete -c tczbuild -f',
    `complete -c tczbuild -n __fish_use_subcommand -a '${q([...first, 'help'])}'`,
  ];
  for (const [word, subs] of second) lines.push(`complete -c tczbuild -n '__fish_seen_subcommand_from ${word}; and not __fish_seen_subcommand_from ${q(subs)}' -a '${q(subs.sort())}'`);
  for (const c of commands) {
    const when = c.path.length > 1 ? `__fish_seen_subcommand_from ${c.path[0]}; and __fish_seen_subcommand_from ${c.path[1]}` : `__fish_seen_subcommand_from ${c.path[0]}`;
    for (const name of [...c.options].sort()) {
      const flag = name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`;
      const value =
        name === '--arch' ? ` -x -a '${q(tinyCoreArches)}'` : dirOptions.includes(name) ? " -x -a '(__fish_complete_directories)'" : fileOptions.includes(name) ? ' -r -F' : c.valued.includes(name) ? ' -x' : '';
      lines.push(`complete -c tczbuild -n '${when}' ${flag}${value}`);
    }
    if (c.takesRecipes) lines.push(`complete -c tczbuild -n '${when}' -a '(__tczbuild_recipes)'`);
  }
  lines.push(`complete -c tczbuild -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`);
  return `${lines.join('\n')}\n`;
}

function commandWords(commands: readonly CompletableCommand[]): { first: string[]; second: Map<string, string[]> } {
  const first = [...new Set(commands.map((c) => c.path[0]!))].sort();
  const second = new Map<string, string[]>();
  for (const c of commands) if (c.path.length > 1) second.set(c.path[0]!, [...(second.get(c.path[0]!) ?? []), c.path[1]!]);
  return { first, second };
}
