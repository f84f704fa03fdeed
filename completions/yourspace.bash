# yourspace completion for bash: source this file, or put it in /etc/bash_completion.d/.
_yourspace() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="" w words
  # Follow the words that name commands; arguments and options leave the path where it is.
  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "${path:+$path }$w" in "login"|"logout"|"whoami"|"profile"|"profile ls"|"profile list"|"profile use"|"kv"|"kv set"|"kv put"|"kv get"|"kv ls"|"kv list"|"kv rm"|"kv delete"|"kv import"|"kv export"|"kv bind"|"kv unbind"|"kv bindings"|"kv audit"|"kv usage"|"kv site"|"kv inspect"|"kv emulator"|"kv emulator config"|"kv emulator clock"|"kv emulator advance"|"kv emulator settle"|"kv emulator partition"|"kv emulator heal"|"kv emulator pause"|"kv emulator resume"|"kv emulator start"|"kv emulator token"|"kv emulator token create"|"kv emulator status"|"kv emulator record"|"kv namespace"|"kv namespace create"|"kv namespace ls"|"kv namespace list"|"kv namespace rm"|"kv namespace remove"|"kv ns"|"kv ns create"|"kv ns ls"|"kv ns list"|"kv ns rm"|"kv ns remove") path="${path:+$path }$w" ;; esac
  done
  case "$path" in
    "") words="login logout whoami profile kv --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "login") words="--profile --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "logout") words="--profile --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "whoami") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "profile") words="ls list use --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "profile ls") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "profile list") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "profile use") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv") words="set put get ls list rm delete import export bind unbind bindings audit usage site inspect emulator namespace ns --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv set") words="-n --namespace -r --region --file --ttl --expires-at --metadata --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv put") words="-n --namespace -r --region --file --ttl --expires-at --metadata --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv get") words="-n --namespace -r --region -c --consistency --cache-ttl -o --output --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ls") words="-n --namespace -r --region -c --consistency --limit --cursor --all --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv list") words="-n --namespace -r --region -c --consistency --limit --cursor --all --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv rm") words="-n --namespace -r --region --prefix -y --yes --dry-run -f --force --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv delete") words="-n --namespace -r --region --prefix -y --yes --dry-run -f --force --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv import") words="-n --namespace -r --region --format --dry-run --prune --prefix -y --yes --batch-size --concurrency --report --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv export") words="-n --namespace --prefix --format --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv bind") words="--route --access --as --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv unbind") words="--route --as --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv bindings") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv audit") words="--key --since --actor --limit --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv usage") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv site") words="--tier --audit-retention --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv inspect") words="-n --namespace --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator") words="config clock advance settle partition heal pause resume start token status record --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator config") words="--profile --regions --delay --jitter --cache-ttl --seed --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator clock") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator advance") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator settle") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator partition") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator heal") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator pause") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator resume") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator start") words="--port --host --allow-remote --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator token") words="create --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator token create") words="--namespace --read-only --expires-in --route --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator status") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv emulator record") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace") words="create ls list rm remove --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace create") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace ls") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace list") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace rm") words="-y --yes --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv namespace remove") words="-y --yes --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns") words="create ls list rm remove --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns create") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns ls") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns list") words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns rm") words="-y --yes --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    "kv ns remove") words="-y --yes --json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
    *) words="--json -q --quiet --no-color --data-dir --local --remote --api-url --token --site --help" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _yourspace yourspace
