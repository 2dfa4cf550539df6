# abuse-desk host triage (Linux, AWS-RunShellScript). READ-ONLY.
# It looks and prints; it changes nothing on the host: no package installs, no kills, no edits.
# The only files it writes are its own, in a private temporary directory removed on exit.
# Each section runs under `timeout` (when the host has it) and its output is capped (head -c).
# Section markers carry a per-run nonce, so text on the host cannot fake a section; every content
# line read from the host is prefixed with "| " so it cannot fake a sub-heading either.
# POSIX sh: the SSM agent may run it with dash.
ADX_VERSION=1
: "${ADX_NONCE:=0000000000000000}"
: "${ADX_SECTION_SECONDS:=20}"
: "${ADX_SECTION_BYTES:=16000}"
LC_ALL=C
export LC_ALL ADX_NONCE
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
WEBROOTS="/var/www /srv/www /srv/http /usr/share/nginx/html /var/lib/tomcat /var/lib/tomcat8 /var/lib/tomcat9 /opt/lampp/htdocs"
DROPDIRS="/tmp /var/tmp /dev/shm"
HOMES="/root $(ls -d /home/* 2>/dev/null | head -n 50 | tr '\n' ' ')"

have() { command -v "$1" >/dev/null 2>&1; }
# Content from the host: each line prefixed, tabs kept, NULs dropped, lines cut at 600 bytes.
quote() { tr -d '\000' | cut -c1-600 | sed 's/^/| /'; }
clean() { printf '%s' "$1" | tr '\t\n\r' '   ' | cut -c1-400; }
mtime() { stat -c %Y "$1" 2>/dev/null || echo 0; }

sec_meta() {
  printf 'now\t%s\n' "$(date -u +%s)"
  printf 'host\t%s\n' "$(clean "$(hostname 2>/dev/null)")"
  printf 'kernel\t%s\n' "$(clean "$(uname -sr 2>/dev/null)")"
  printf 'uid\t%s\n' "$(id -u)"
  printf 'boot\t%s\n' "$(awk '/^btime/ {print $2}' /proc/stat 2>/dev/null)"
  printf 'version\t%s\n' "$ADX_VERSION"
  [ -r /etc/os-release ] && printf 'os\t%s\n' "$(clean "$(. /etc/os-release 2>/dev/null; echo "$PRETTY_NAME")")"
}

sec_ps() {
  cut -d: -f1,3 /etc/passwd 2>/dev/null | head -n 2000 | awk -F: '{printf "U\t%s\t%s\n", $2, $1}'
  now=$(date -u +%s)
  # one line per process: pid, parent, uid, start (epoch), command line
  ps -eo pid=,ppid=,uid=,etimes=,args= -ww 2>/dev/null | head -n 5000 | awk -v now="$now" '{
    a = $0; sub(/^[ ]*[0-9]+[ ]+[0-9]+[ ]+[0-9]+[ ]+[0-9]+[ ]?/, "", a); gsub(/\t/, " ", a);
    printf "P\t%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, now - $4, substr(a, 1, 400) }'
  # the binary behind each process: deleted-but-running, and its SHA-256 (each binary hashed once)
  seen=" "
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    [ -n "$exe" ] || continue
    deleted=0
    case "$exe" in *" (deleted)") deleted=1 ;; esac
    case "$seen" in
      *" $exe "*) sum=same ;;
      *)
        sum=-
        size=$(stat -L -c %s "$d/exe" 2>/dev/null || echo 0)
        if [ "${size:-0}" -le 104857600 ]; then sum=$(sha256sum "$d/exe" 2>/dev/null | cut -c1-64); fi
        [ "$deleted" = 1 ] || seen="$seen$exe "
        ;;
    esac
    printf 'X\t%s\t%s\t%s\t%s\n' "${d#/proc/}" "$deleted" "${sum:--}" "$(clean "$exe")"
  done
}

sec_net() {
  if have ss; then
    echo "#> ss"
    ss -tunapn 2>/dev/null | head -n 3000 | quote
  elif have lsof; then
    echo "#> lsof"
    lsof -nP -i 2>/dev/null | head -n 3000 | quote
  elif have netstat; then
    echo "#> netstat"
    netstat -tunap 2>/dev/null | head -n 3000 | quote
  else
    echo "#> none"
  fi
}

sec_logins() {
  if have last; then echo "#> last"; last -F -w -n 100 2>/dev/null | quote; fi
  if have lastb; then echo "#> lastb"; lastb -F -w -n 200 2>/dev/null | quote; fi
  for f in /var/log/auth.log /var/log/secure; do
    [ -r "$f" ] || continue
    printf '#> auth\t%s\n' "$f"
    tail -n 400 "$f" 2>/dev/null | grep -a -E 'sshd\[[0-9]+\]: (Accepted|Failed|Invalid user)|sudo: |useradd|usermod|passwd\[' | tail -n 300 | quote
  done
  if have journalctl && [ ! -r /var/log/auth.log ] && [ ! -r /var/log/secure ]; then
    echo "#> journal sshd"
    journalctl -q --no-pager -o short-iso -n 300 _COMM=sshd 2>/dev/null | quote
  fi
}

sec_history() {
  for h in $HOMES /var/www; do
    for f in "$h"/.bash_history "$h"/.zsh_history "$h"/.sh_history "$h"/.ash_history "$h"/.python_history "$h"/.mysql_history; do
      [ -f "$f" ] || continue
      printf '#> history\t%s\t%s\t%s\n' "$(clean "$f")" "$(mtime "$f")" "$(stat -c %s "$f" 2>/dev/null)"
      tail -n 150 "$f" 2>/dev/null | quote
    done
  done
}

sec_cron() {
  for f in /etc/crontab /etc/cron.d/* /var/spool/cron/* /var/spool/cron/crontabs/* /etc/anacrontab; do
    [ -f "$f" ] || continue
    printf '#> cron\t%s\t%s\n' "$(clean "$f")" "$(mtime "$f")"
    grep -a -v -E '^[[:space:]]*(#|$)' "$f" 2>/dev/null | head -n 100 | quote
  done
  if have systemctl; then
    echo "#> timers"
    systemctl list-timers --all --no-pager --no-legend 2>/dev/null | head -n 100 | quote
  fi
  for dir in /etc/systemd/system /run/systemd/system /lib/systemd/system /usr/lib/systemd/system $(for h in $HOMES; do printf '%s/.config/systemd/user ' "$h"; done); do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 2 -type f \( -name '*.service' -o -name '*.timer' \) -mtime -30 2>/dev/null | head -n 50 | while IFS= read -r u; do
      printf '#> unit\t%s\t%s\n' "$(clean "$u")" "$(mtime "$u")"
      grep -a -E '^[[:space:]]*(Description|ExecStart|ExecStartPre|OnCalendar|OnBootSec|User)=' "$u" 2>/dev/null | head -n 20 | quote
    done
  done
}

sec_keys() {
  for h in $HOMES /var/www /var/lib/*; do
    for f in "$h"/.ssh/authorized_keys "$h"/.ssh/authorized_keys2; do
      [ -f "$f" ] || continue
      printf '#> keys\t%s\t%s\t%s\n' "$(clean "$f")" "$(mtime "$f")" "$(stat -c %U "$f" 2>/dev/null)"
      grep -a -v -E '^[[:space:]]*(#|$)' "$f" 2>/dev/null | head -n 100 | quote
    done
  done 2>/dev/null
}

sec_recent() {
  for dir in $DROPDIRS $WEBROOTS; do
    [ -d "$dir" ] || continue
    find "$dir" -xdev -maxdepth 6 -type f -mtime -14 -printf 'F\t%T@\t%s\t%u\t%m\t%p\n' 2>/dev/null | head -n 200 | tr -d '\r' | cut -c1-600
  done
}

sec_miners() {
  for dir in $DROPDIRS /root /home /opt /var/www /usr/local/bin /etc; do
    [ -d "$dir" ] || continue
    find "$dir" -xdev -maxdepth 5 -type f \( -iname '*xmrig*' -o -iname '*xmr-stak*' -o -iname '*minerd*' -o -iname '*cpuminer*' -o -iname 'kdevtmpfsi*' -o -iname 'kinsing*' -o -iname '*nbminer*' -o -iname '*lolminer*' -o -iname '*t-rex*' \) -printf 'M\t%T@\t%s\t%p\n' 2>/dev/null | head -n 50 | cut -c1-600
    find "$dir" -xdev -maxdepth 5 -type f -size -2M \( -name '*.json' -o -name '*.conf' -o -name '*.cfg' -o -name '*.txt' -o -name '*.sh' \) 2>/dev/null | head -n 5000 | tr '\n' '\000' | xargs -0 -r grep -l -s -I -E 'stratum\+(tcp|ssl|tls)://|"donate-level"|"coin" *: *"(monero|xmr)' 2>/dev/null | head -n 20 | while IFS= read -r f; do
      printf '#> pool\t%s\t%s\n' "$(clean "$f")" "$(mtime "$f")"
      grep -o -s -I -m 10 -E 'stratum\+(tcp|ssl|tls)://[^" ,]{1,120}|"(url|user|pass|donate-level)" *: *"?[^",]{0,120}' "$f" 2>/dev/null | head -n 10 | quote
    done
  done
}

sec_proxy() {
  for b in squid squid3 tinyproxy danted sockd 3proxy microsocks gost privoxy; do
    p=$(command -v "$b" 2>/dev/null) && printf 'B\t%s\t%s\n' "$b" "$(clean "$p")"
  done
  for f in /etc/squid/squid.conf /etc/squid3/squid.conf; do
    [ -r "$f" ] || continue
    printf '#> squid\t%s\t%s\n' "$f" "$(mtime "$f")"
    grep -a -n -E '^[[:space:]]*(http_access|http_port|acl)[[:space:]]' "$f" 2>/dev/null | head -n 100 | quote
  done
  for f in /etc/tinyproxy/tinyproxy.conf /etc/tinyproxy.conf; do
    [ -r "$f" ] || continue
    printf '#> tinyproxy\t%s\t%s\n' "$f" "$(mtime "$f")"
    grep -a -n -E '^[[:space:]]*(Port|Listen|Allow|Deny|BasicAuth)[[:space:]]' "$f" 2>/dev/null | head -n 100 | quote
  done
  for f in /etc/danted.conf /etc/sockd.conf /etc/3proxy.cfg /etc/3proxy/3proxy.cfg; do
    [ -r "$f" ] || continue
    printf '#> socks\t%s\t%s\n' "$f" "$(mtime "$f")"
    grep -a -n -v -E '^[[:space:]]*(#|$)' "$f" 2>/dev/null | head -n 100 | quote
  done
  for d in /etc/apache2 /etc/httpd; do
    [ -d "$d" ] || continue
    grep -a -R -n -i -E '^[[:space:]]*(ProxyRequests|ProxyVia|AllowCONNECT)[[:space:]]|^[[:space:]]*<Proxy[[:space:]]' "$d" 2>/dev/null | head -n 100 | while IFS= read -r l; do
      printf '#> apache\t%s\n' "$(clean "${l%%:*}")"
      printf '%s\n' "${l#*:}" | quote
    done
  done
  if [ -d /etc/nginx ]; then
    grep -a -R -n -E 'proxy_pass[[:space:]]+https?://\$(http_host|host)' /etc/nginx 2>/dev/null | head -n 50 | while IFS= read -r l; do
      printf '#> nginx\t%s\n' "$(clean "${l%%:*}")"
      printf '%s\n' "${l#*:}" | quote
    done
  fi
}

sec_webshell() {
  for dir in $WEBROOTS; do
    [ -d "$dir" ] || continue
    find "$dir" -xdev -maxdepth 8 -type f -size -1M \( -name '*.php*' -o -name '*.phtml' -o -name '*.jsp' -o -name '*.jspx' -o -name '*.asp' -o -name '*.aspx' \) 2>/dev/null | head -n 20000 | tr '\n' '\000' | xargs -0 -r grep -l -s -I -E 'eval[[:space:]]*\([[:space:]]*(base64_decode|gzinflate|gzuncompress|str_rot13|\$_(POST|GET|REQUEST|COOKIE))|assert[[:space:]]*\([[:space:]]*\$_(POST|GET|REQUEST)|(system|passthru|shell_exec|exec|popen|proc_open)[[:space:]]*\([[:space:]]*\$_(POST|GET|REQUEST|COOKIE)|Runtime\.getRuntime\(\)\.exec\(request\.getParameter' 2>/dev/null | head -n 30 | while IFS= read -r f; do
      printf '#> webshell\t%s\t%s\n' "$(clean "$f")" "$(mtime "$f")"
      grep -o -s -I -m 3 -E '.{0,40}(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)[[:space:]]*\(.{0,60}' "$f" 2>/dev/null | head -n 3 | quote
    done
  done
}

sec_agents() {
  for s in amazon-ssm-agent snap.amazon-ssm-agent.amazon-ssm-agent amazon-cloudwatch-agent wazuh-agent ossec ossec-hids falcon-sensor auditd; do
    st=unknown
    if have systemctl; then st=$(systemctl is-active "$s" 2>/dev/null | head -n 1); fi
    printf 'A\t%s\t%s\n' "$s" "$(clean "${st:-unknown}")"
  done
  for d in /var/ossec /opt/aws/amazon-cloudwatch-agent; do
    [ -d "$d" ] && printf 'D\t%s\n' "$d"
  done
}

# One section as a child of this script (so `timeout` can bound it), or in-line when that is not possible.
if [ "${1:-}" = "--adx-section" ]; then
  "sec_$2"
  exit 0
fi

ADX_TMP=$(mktemp -d 2>/dev/null || mktemp -d -t adx.XXXXXXXX)
trap 'rm -rf "$ADX_TMP"' EXIT INT TERM
SELF=$0
run() {
  name=$1
  printf '@@ADX %s BEGIN %s\n' "$ADX_NONCE" "$name"
  if have timeout && [ -f "$SELF" ] && [ -r "$SELF" ]; then
    timeout -k 2 "$ADX_SECTION_SECONDS" nice -n 10 sh "$SELF" --adx-section "$name" >"$ADX_TMP/out" 2>/dev/null
    rc=$?
  else
    ( "sec_$name" ) >"$ADX_TMP/out" 2>/dev/null
    rc=$?
  fi
  bytes=$(wc -c <"$ADX_TMP/out" | tr -d ' ')
  head -c "$ADX_SECTION_BYTES" "$ADX_TMP/out"
  # ends a line cut by head (the parser skips empty lines)
  echo
  printf '@@ADX %s END %s rc=%s bytes=%s cap=%s\n' "$ADX_NONCE" "$name" "$rc" "$bytes" "$ADX_SECTION_BYTES"
  : >"$ADX_TMP/out"
}

for s in meta ps net miners proxy keys logins history cron recent webshell agents; do
  run "$s"
done
printf '@@ADX %s DONE\n' "$ADX_NONCE"
