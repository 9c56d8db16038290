# bash completion for pvpn(1): commands, flags, and values (country codes,
# booleans, ping|api). Country codes come from pvpnd's cached server list
# when this user can read it (root), else from the ISO 3166 list below.

_pvpn_countries() {
    local cache=${PVPN_SERVER_CACHE:-/root/.pvpn-cli/pvpn/servers.json}
    if [[ -r $cache ]]; then
        grep -o '"ExitCountry":"[A-Za-z][A-Za-z]"' "$cache" 2>/dev/null |
            cut -d'"' -f4 | tr '[:lower:]' '[:upper:]' | sort -u
        return
    fi
    printf '%s\n' AD AE AL AM AO AR AT AU AZ BA BD BE BG BH BN BO BR BT BY BZ CA CH CL CO CR CY CZ \
        DE DK DZ EC EE EG ES ET FI FR GB GE GH GR GT HK HR HU ID IE IL IN IQ IS IT JM JO JP KE KH KR \
        KW KZ LA LB LK LT LU LV LY MA MD ME MK MM MN MT MU MX MY MZ NG NL NO NP NZ OM PA PE PH PK PL \
        PR PT PY QA RO RS RU RW SA SD SE SG SI SK SN SO SS SV SY TG TH TN TR TW UA UG US UY UZ VE VN \
        YE ZA
}

_pvpn() {
    local cur prev words cword
    _init_completion -n = || return

    local global="-h --help --json --verbose --socket --version"
    local commands="init connect c disconnect d status s list"
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --socket) ((i++)) ;;
        -*) ;;
        *) cmd=${words[i]}; break ;;
        esac
    done

    case $prev in
    --socket) _filedir; return ;;
    -c | --cc) COMPREPLY=($(compgen -W "$(_pvpn_countries)" -- "${cur^^}")); return ;;
    -f | --fastest) COMPREPLY=($(compgen -W "ping api" -- "$cur")); return ;;
    --dns | --ks | --qb-enable | --qb-bind-interface | --ks-default | --dns-default | --allow-lan)
        COMPREPLY=($(compgen -W "true false" -- "$cur")); return ;;
    --session-dir) _filedir -d; return ;;
    --qb-conf) _filedir conf; return ;;
    -t | --threshold | --threshold-default | -l | --latency-cutoff | --hv-token | --wireguard-port | \
        --proton-user | --proton-pass | --proton-2fa | --qb-url | --qb-user | --qb-pass)
        return ;;
    esac

    local flags
    case $cmd in
    "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
    init)
        flags="--proton --qb --network --proton-user --proton-pass --proton-2fa --wireguard-port
            --session-dir --qb-enable --qb-url --qb-user --qb-pass --qb-bind-interface --qb-conf
            --ks-default --dns-default --threshold-default --allow-lan" ;;
    connect | c)
        flags="-c --cc --sc --p2p -f --fastest -t --threshold -l --latency-cutoff --dns --ks --hv-token" ;;
    disconnect | d) flags="--ks" ;;
    status | s) flags="--watch" ;;
    list) flags="-c --cc --sc --p2p -f --fastest -t --threshold" ;;
    *) return ;;
    esac
    COMPREPLY=($(compgen -W "$flags -h --help --json --verbose" -- "$cur"))
}
complete -F _pvpn pvpn
