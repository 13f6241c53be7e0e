using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CliWrap;
using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Remote;

/// <summary>
/// Puts a file onto a machine only when the machine's copy differs: its SHA-256 there (sha256sum) against the local
/// one; a copy travels on ssh's standard input into a temporary file that replaces the old one once complete, and
/// its hash is checked again there. Nothing but the shell, cat and coreutils is needed on the machine.
/// </summary>
public sealed class FileShipment(SshShell shell)
{
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(10);

    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> localHashes = new();

    /// <summary>True when the file was copied, false when the machine already had it.</summary>
    public async Task<bool> ShipFileAsync(string node, string localFile, string remotePath, bool executable, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(localFile);
        if (!info.Exists) throw new RunnerException($"cannot ship {TerminalText.Quote(localFile)} to {node}: it does not exist; build it (tools/build.sh)");
        var hash = localHashes.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), key => HashOf(key.Path));
        return await ShipAsync(node, hash, PipeSource.FromFile(localFile), remotePath, executable, cancellationToken);
    }

    /// <summary>Like <see cref="ShipFileAsync"/> for text lbdeploy holds (a shipped script, a plan's file).</summary>
    public Task<bool> ShipTextAsync(string node, string text, string remotePath, bool executable = false, CancellationToken cancellationToken = default)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return ShipAsync(node, Convert.ToHexStringLower(SHA256.HashData(bytes)), PipeSource.FromBytes(bytes), remotePath, executable, cancellationToken);
    }

    private async Task<bool> ShipAsync(string node, string hash, PipeSource content, string remotePath, bool executable, CancellationToken cancellationToken)
    {
        var there = await shell.RunAsync(node, HashCommand(remotePath), cancellationToken: cancellationToken);
        if (there.Succeeded && there.StandardOutput.Trim() == hash) return false;
        var copy = await shell.RunAsync(node, CopyCommand(remotePath, executable), content, CopyTimeout, cancellationToken);
        if (!copy.Succeeded) throw new RunnerException($"cannot copy to {TerminalText.Quote(remotePath)} on {copy.Summary()}");
        if (copy.StandardOutput.Trim() != hash)
        {
            throw new RunnerException($"{node}: {TerminalText.Quote(remotePath)} arrived with SHA-256 {TerminalText.Escape(copy.StandardOutput.Trim(), 64)}, not {hash}; check the disk space under that folder and apply again");
        }
        return true;
    }

    /// <summary>The file's SHA-256 on the machine, or nothing when it is missing.</summary>
    public static string HashCommand(string remotePath) =>
        $"if [ -f {ShellQuoting.Quote(remotePath)} ]; then sha256sum < {ShellQuoting.Quote(remotePath)} | cut -c1-64; fi";

    /// <summary>Standard input into a temporary file beside the target, then renamed over it; prints the new file's SHA-256.</summary>
    public static string CopyCommand(string remotePath, bool executable)
    {
        var target = ShellQuoting.Quote(remotePath);
        var folder = ShellQuoting.Quote(remotePath[..remotePath.LastIndexOf('/')] is { Length: > 0 } parent ? parent : "/");
        var temporary = ShellQuoting.Quote(remotePath + ".lbdeploy-tmp");
        return $"mkdir -p {folder} && cat > {temporary} && chmod {(executable ? "755" : "644")} {temporary} && mv -f {temporary} {target} && sha256sum < {target} | cut -c1-64";
    }

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
