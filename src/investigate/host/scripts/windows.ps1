# abuse-desk host triage (Windows, AWS-RunPowerShellScript). READ-ONLY.
# It looks and prints; it changes nothing on the host: no installs, no stops, no registry or file
# writes. Each section runs as a job bounded in time (Wait-Job -Timeout) and its output is capped.
# Section markers carry a per-run nonce; values from the host are printed tab-separated with tabs
# and line breaks removed, so they cannot fake a marker or a field.
$ErrorActionPreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'
$Nonce = if ($env:ADX_NONCE) { $env:ADX_NONCE } else { '0000000000000000' }
$Seconds = if ($env:ADX_SECTION_SECONDS) { [int]$env:ADX_SECTION_SECONDS } else { 20 }
$Cap = 16000

$Sections = [ordered]@{
  meta = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    "now`t$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds())"
    "host`t$(C $env:COMPUTERNAME)"
    "os`t$(C (Get-CimInstance Win32_OperatingSystem).Caption)"
    "version`t1"
  }
  procs = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    $hashes = @{}
    Get-CimInstance Win32_Process | Select-Object -First 3000 | ForEach-Object {
      $p = $_
      $path = $p.ExecutablePath
      $sha = '-'
      if ($path) {
        if ($hashes.ContainsKey($path)) { $sha = $hashes[$path] }
        else {
          $f = Get-Item -LiteralPath $path
          if ($f -and $f.Length -le 104857600) { $sha = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash }
          $hashes[$path] = $sha
        }
      }
      $owner = ''
      $o = Invoke-CimMethod -InputObject $p -MethodName GetOwner
      if ($o -and $o.User) { $owner = "$($o.Domain)\$($o.User)" }
      $start = if ($p.CreationDate) { $p.CreationDate.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ') } else { '' }
      $cmd = C $p.CommandLine
      if ($cmd.Length -gt 400) { $cmd = $cmd.Substring(0, 400) }
      "P`t$($p.ProcessId)`t$($p.ParentProcessId)`t$(C $p.Name)`t$start`t$(C $path)`t$sha`t$(C $owner)`t$cmd"
    }
  }
  net = {
    Get-NetTCPConnection | Select-Object -First 3000 | ForEach-Object {
      "N`ttcp`t$($_.State)`t$($_.LocalAddress)`t$($_.LocalPort)`t$($_.RemoteAddress)`t$($_.RemotePort)`t$($_.OwningProcess)"
    }
    Get-NetUDPEndpoint | Select-Object -First 500 | ForEach-Object {
      "N`tudp`tUNCONN`t$($_.LocalAddress)`t$($_.LocalPort)`t`t`t$($_.OwningProcess)"
    }
  }
  services = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    Get-CimInstance Win32_Service | Select-Object -First 1000 | ForEach-Object {
      "S`t$(C $_.Name)`t$(C $_.State)`t$(C $_.StartMode)`t$(C $_.PathName)"
    }
  }
  tasks = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    Get-ScheduledTask | Select-Object -First 1000 | ForEach-Object {
      $t = $_
      $acts = ($t.Actions | ForEach-Object { "$($_.Execute) $($_.Arguments)" }) -join ' ; '
      "T`t$(C $t.TaskPath)`t$(C $t.TaskName)`t$(C $t.State)`t$(C $acts)"
    }
  }
  logons = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    Get-WinEvent -FilterHashtable @{ LogName = 'Security'; Id = 4624 } -MaxEvents 200 | ForEach-Object {
      $x = [xml]$_.ToXml()
      $d = @{}
      foreach ($n in $x.Event.EventData.Data) { $d[$n.Name] = $n.'#text' }
      "L`t$($_.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))`t$(C $d['LogonType'])`t$(C $d['TargetUserName'])`t$(C $d['TargetDomainName'])`t$(C $d['IpAddress'])"
    }
  }
  runkeys = {
    function C($v) { if ($null -eq $v) { '' } else { ("$v" -replace "[`t`r`n]", ' ') } }
    foreach ($k in 'HKLM:\Software\Microsoft\Windows\CurrentVersion\Run', 'HKLM:\Software\Microsoft\Windows\CurrentVersion\RunOnce', 'HKLM:\Software\WOW6432Node\Microsoft\Windows\CurrentVersion\Run', 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Run', 'HKCU:\Software\Microsoft\Windows\CurrentVersion\RunOnce') {
      $item = Get-ItemProperty -LiteralPath $k
      if ($item) {
        $item.PSObject.Properties | Where-Object { $_.Name -notlike 'PS*' } | ForEach-Object { "R`t$k`t$(C $_.Name)`t$(C $_.Value)" }
      }
    }
  }
  agents = {
    foreach ($s in 'AmazonSSMAgent', 'AmazonCloudWatchAgent', 'WazuhSvc', 'OssecSvc', 'CSFalconService', 'Sense') {
      $svc = Get-Service -Name $s
      $st = if ($svc) { "$($svc.Status)" } else { 'absent' }
      "A`t$s`t$st"
    }
  }
}

foreach ($name in $Sections.Keys) {
  "@@ADX $Nonce BEGIN $name"
  $job = Start-Job -ScriptBlock $Sections[$name]
  $rc = 0
  if (-not (Wait-Job -Job $job -Timeout $Seconds)) { Stop-Job -Job $job; $rc = 124 }
  $text = ((Receive-Job -Job $job) -join "`n")
  Remove-Job -Job $job -Force
  $bytes = [Text.Encoding]::UTF8.GetByteCount($text)
  if ($text.Length -gt $Cap) { $text = $text.Substring(0, $Cap) }
  $text
  ''
  "@@ADX $Nonce END $name rc=$rc bytes=$bytes cap=$Cap"
}
"@@ADX $Nonce DONE"
