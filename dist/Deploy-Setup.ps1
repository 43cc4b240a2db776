#Requires -Version 5.1
<#
.SYNOPSIS
Runs setup.exe without a person at the machine, for Intune, Configuration
Manager or a Group Policy startup script, and returns an exit code those
tools understand.

.DESCRIPTION
Runs

    setup.exe --unattended --accept-license --log <LogDirectory>\<product>.log [arguments]

where [arguments] are whatever follows this script's own parameters: a
command (install is the default; uninstall, upgrade) and setup's flags,
e.g. --all-users or --registry-mirror HOST. --accept-license accepts the
Docker Desktop license on the organisation's behalf where setup has to
install Docker Desktop; deploy this script only where that is agreed.

setup's own exit code is returned, so that the deployment tool reads it:

    0     success
    3010  success, Windows must restart (soft reboot)
    1641  success, a restart was started (hard reboot)
    1618  another setup of the product is running: retry later
    other failure (setup's codes are listed in its README)

One line per run (time, command, exit code, meaning) is appended to
<LogDirectory>\Deploy-Setup.log and written to standard output.

setup itself never starts PowerShell; this script is only for the
deployment tool's side.

.PARAMETER SetupPath
The setup executable. Default: setup.exe beside this script, else the
setup_<version>_windows_<arch>.exe beside it that matches this machine.

.PARAMETER LogDirectory
Where setup's log and this script's line go. Default:
%ProgramData%\setup\logs.

.EXAMPLE
powershell.exe -NoProfile -ExecutionPolicy Bypass -File Deploy-Setup.ps1

Installs, or repairs, the product.

.EXAMPLE
powershell.exe -NoProfile -ExecutionPolicy Bypass -File Deploy-Setup.ps1 uninstall

Removes the product and keeps its data.
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string] $SetupPath = '',
    [string] $LogDirectory = (Join-Path $env:ProgramData 'setup\logs'),
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $SetupArguments = @()
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# A deployment tool may start the 32-bit PowerShell on 64-bit Windows,
# where %ProgramFiles% is "Program Files (x86)" and setup would inherit
# that. Run again in the native PowerShell.
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    $native = Join-Path $env:SystemRoot 'Sysnative\WindowsPowerShell\v1.0\powershell.exe'
    if (Test-Path -LiteralPath $native) {
        $again = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass',
            '-File', $PSCommandPath, '-LogDirectory', $LogDirectory)
        if ($SetupPath) {
            $again += @('-SetupPath', $SetupPath)
        }
        & $native @again @SetupArguments
        exit $LASTEXITCODE
    }
}

# Write-Line appends one line to the transcript and writes it to stdout.
function Write-Line([string] $Text) {
    $line = '{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $Text
    try {
        Add-Content -LiteralPath (Join-Path $LogDirectory 'Deploy-Setup.log') -Value $line
    } catch {
        [Console]::Error.WriteLine("Deploy-Setup: cannot write the transcript: $_")
    }
    Write-Output $line
}

# Find-Setup returns the setup executable to run, or $null.
function Find-Setup {
    if ($SetupPath) {
        if (Test-Path -LiteralPath $SetupPath -PathType Leaf) {
            return (Resolve-Path -LiteralPath $SetupPath).Path
        }
        return $null
    }
    $beside = Join-Path $PSScriptRoot 'setup.exe'
    if (Test-Path -LiteralPath $beside -PathType Leaf) {
        return $beside
    }
    $arch = $env:PROCESSOR_ARCHITECTURE
    if ($env:PROCESSOR_ARCHITEW6432) {
        $arch = $env:PROCESSOR_ARCHITEW6432
    }
    $goarch = switch ($arch) {
        'AMD64' { 'amd64' }
        'ARM64' { 'arm64' }
        default { $null }
    }
    if (-not $goarch) {
        return $null
    }
    $found = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter "setup_*_windows_$goarch.exe" |
        Sort-Object -Property LastWriteTime)
    if ($found.Count -eq 0) {
        return $null
    }
    return $found[-1].FullName
}

# Get-ProductId asks setup which product it installs, for the log's name.
function Get-ProductId([string] $Exe) {
    $ErrorActionPreference = 'Continue'
    try {
        $info = (& $Exe version --json 2>$null) -join "`n" | ConvertFrom-Json
        if ($info.product) {
            return [string] $info.product
        }
    } catch {
    }
    return 'setup'
}

try {
    New-Item -ItemType Directory -Force -Path $LogDirectory | Out-Null
} catch {
    [Console]::Error.WriteLine("Deploy-Setup: cannot create ${LogDirectory}: $_")
}

$exe = Find-Setup
if (-not $exe) {
    Write-Line "setup.exe not found (SetupPath '$SetupPath', folder '$PSScriptRoot'): exit 1, failure"
    exit 1
}

$log = Join-Path $LogDirectory ((Get-ProductId $exe) + '.log')
$arguments = @('--unattended', '--accept-license', '--log', $log) + $SetupArguments

# Windows PowerShell may turn a native command's stderr lines into error
# records (under remoting, or when its own error output is redirected);
# with 'Stop' the first progress line of setup would end this script.
$ErrorActionPreference = 'Continue'
try {
    & $exe @arguments
    $code = $LASTEXITCODE
} catch {
    Write-Line "starting $exe failed: $_ : exit 1, failure"
    exit 1
}

$meaning = switch ($code) {
    0 { 'success' }
    3010 { 'success, restart required (soft reboot)' }
    1641 { 'success, restart started (hard reboot)' }
    1618 { 'another setup is running (retry)' }
    default { 'failure' }
}
# 1707 is a success code to Intune and Configuration Manager; setup never
# means success by it, so it must not reach them unchanged.
if ($code -eq 1707) {
    $code = 1
}

Write-Line ('{0} {1}: exit {2}, {3}' -f $exe, ($arguments -join ' '), $code, $meaning)
exit $code
