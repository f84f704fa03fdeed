# yourspace completion for bash: source this file, or put it in /etc/bash_completion.d/.
# Each Tab runs `yourspace __complete`, which answers from the command registry and the target's store.
_yourspace() {
  local out
  out=$("${COMP_WORDS[0]/#\~/$HOME}" __complete bash "$COMP_WORDBREAKS" "${COMP_LINE:0:COMP_POINT}" 2>/dev/null </dev/null) || return 0
  COMPREPLY=()
  [[ $out == *$'\n'* ]] && mapfile -t COMPREPLY <<<"${out#*$'\n'}"
  case ${out%%$'\n'*} in
    files)
      if (( ${#COMPREPLY[@]} )); then
        compopt -o filenames 2>/dev/null
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "${COMP_WORDS[COMP_CWORD]}")
      else
        compopt -o default 2>/dev/null
      fi ;;
    nospace) compopt -o nospace 2>/dev/null ;;
  esac
}
complete -F _yourspace yourspace
