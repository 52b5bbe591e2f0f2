/**
 * Shell completion scripts rendered from the command table: command words, each command's
 * options, arch names for --arch, directories and files for path options, and recipe names
 * (recipes/*.yaml) for the commands that take them. zsh loads the same function through its
 * bashcompinit. Pure: takes the commands' paths and option names, returns script text.
 */
import { tinyCoreArches } from '../recipe/arch.js';

export interface CompletableCommand {
  readonly path: readonly string[];
  readonly options: readonly string[];
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
    completion) mapfile -t COMPREPLY < <(compgen -W 'bash zsh' -- "$cur"); return 0 ;;
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

export function zshCompletion(commands: readonly CompletableCommand[]): string {
  return `#compdef tczbuild
# tczbuild completion for zsh: eval "$(tczbuild completion zsh)" after compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands).split('\n').slice(1).join('\n')}`;
}
