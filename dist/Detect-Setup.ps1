#Requires -Version 5.1
<#
.SYNOPSIS
Detection script for Intune and Configuration Manager: the product counts
as installed when setup says it is installed and every service is healthy.

.DESCRIPTION
Runs

    <ProgramFiles>\<Publisher>\<Product>\setup.exe --unattended status --json

(the copy of itself that setup keeps for an installation for all users;
without a publisher the folder is <ProgramFiles>\<Product>) and reads its
JSON. Both Intune and Configuration Manager count an
application as detected when the script exits 0 and writes something to
standard output, so:

    installed and healthy          one line on standard output, exit 0
    not installed, or not healthy  nothing on standard output, exit 0
    setup did not answer           nothing on standard output, exit 1

Configuration Manager shows the last case as a detection failure rather
than "not installed"; Intune counts it as not detected. The reason for
anything but detected goes to standard error.

Deployment tools run detection scripts without arguments: set the
defaults of Publisher and Product below to the product.publisher and
product.name of the manifest built into setup before uploading the
script.

A healthy stack needs a running container engine. Where that is Docker
Desktop, which starts when a user signs in, detection fails until then;
set InstalledOnly's default to $true to count an installed stack whatever
its health.

.PARAMETER Publisher
product.publisher of the manifest.

.PARAMETER Product
product.name of the manifest.

.PARAMETER SetupPath
The setup executable; overrides the path made from Publisher and Product.

.PARAMETER TimeoutSeconds
How long setup may take to answer before the product counts as not
detected.

.PARAMETER InstalledOnly
Count the product as detected when it is installed, healthy or not.
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string] $Publisher = 'Example Ltd',
    [string] $Product = 'Sensor Suite',
    [string] $SetupPath = '',
    [int] $TimeoutSeconds = 45,
    [switch] $InstalledOnly = $false
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Exit-NotDetected writes why to standard error and exits 0 with nothing on
# standard output.
function Exit-NotDetected([string] $Why) {
    [Console]::Error.WriteLine("not detected: $Why")
    exit 0
}

# Exit-Unknown writes why setup's answer is missing and exits 1.
function Exit-Unknown([string] $Why) {
    [Console]::Error.WriteLine("detection failed: $Why")
    exit 1
}

# Get-FolderName makes a name into a folder name the way setup does:
# characters Windows refuses become '-', and trailing dots and spaces go.
function Get-FolderName([string] $Name) {
    $Name = ($Name -replace '[\x00-\x1f\x7f<>:"/\\|?*]', '-').Trim().TrimEnd('. ')
    if (-not $Name) {
        return '_'
    }
    return $Name
}

if (-not $SetupPath) {
    # ProgramW6432 is the 64-bit Program Files also in a 32-bit process.
    $folder = $env:ProgramW6432
    if (-not $folder) {
        $folder = $env:ProgramFiles
    }
    if ($Publisher) {
        $folder = Join-Path $folder (Get-FolderName $Publisher)
    }
    $folder = Join-Path $folder (Get-FolderName $Product)
    $SetupPath = Join-Path $folder 'setup.exe'
}
if (-not (Test-Path -LiteralPath $SetupPath -PathType Leaf)) {
    Exit-NotDetected "$SetupPath does not exist"
}

$start = New-Object System.Diagnostics.ProcessStartInfo
$start.FileName = $SetupPath
$start.Arguments = '--unattended status --json'
$start.UseShellExecute = $false
$start.CreateNoWindow = $true
$start.RedirectStandardOutput = $true
$start.RedirectStandardError = $true
try {
    $process = [System.Diagnostics.Process]::Start($start)
} catch {
    Exit-Unknown "starting ${SetupPath}: $_"
}
# Read both streams as they come, so that a full pipe cannot stall setup.
$stdout = $process.StandardOutput.ReadToEndAsync()
$stderr = $process.StandardError.ReadToEndAsync()
if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
    try { $process.Kill() } catch { }
    Exit-Unknown "setup status did not answer within $TimeoutSeconds s"
}
$process.WaitForExit()

try {
    $status = $stdout.Result | ConvertFrom-Json
    $installed = [bool] $status.installed
    $healthy = [bool] $status.healthy
    $name = [string] $status.name
} catch {
    Exit-Unknown ("setup status --json exited {0} without a status: {1}" -f
        $process.ExitCode, $stderr.Result.Trim())
}

if (-not $installed) {
    Exit-NotDetected "$name is not installed"
}
if (-not $InstalledOnly -and -not ($healthy -and $process.ExitCode -eq 0)) {
    Exit-NotDetected ("{0} is installed but not healthy (setup status exited {1})" -f
        $name, $process.ExitCode)
}

if ($healthy) {
    Write-Output "$name is installed and healthy"
} else {
    Write-Output "$name is installed"
}
exit 0
