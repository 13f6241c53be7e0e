using System.CommandLine;
using System.Globalization;
using Lbdeploy.Common;
using Lbdeploy.Debugging;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy debug-bundle [--out FILE.tar.gz] [--json]`: one archive with every node's network state, every engine's
/// stats, health and log, and the state folder's files (see <see cref="DebugBundle"/>); prints its path and size.
/// </summary>
public static class DebugBundleCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out", "-o")
        {
            Description = "The archive to write (default lbdeploy-debug-DATE-TIME.tar.gz in the current folder)",
            HelpName = "FILE.tar.gz",
        };
        var json = JsonOutput.Option("Print the archive, its size and what could not be collected as JSON");
        var command = new Command("debug-bundle", "Collect every node's routes, addresses, sysctls, nft and qdiscs, the engines' stats and logs and the state files into one .tar.gz") { output, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Get(output), context.Get(json), context.Output, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(string? output, bool json, TextWriter writer, CancellationToken ct)
    {
        var archive = CheckOutput(output ?? DebugBundle.DefaultFileName(DateTimeOffset.UtcNow));
        var result = await DebugBundle.CreateAsync(archive, ct);
        if (json)
        {
            return JsonOutput.Write(writer, CommandRunner.Success, new
            {
                Archive = result.Path,
                Bytes = result.Bytes,
                Files = result.Manifest.Files.Count + 1,
                Nodes = result.Manifest.Nodes.Count,
                Failures = result.Manifest.Failures,
            });
        }
        var failed = result.Manifest.Failures.Count;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"debug bundle: {result.Path} ({Size(result.Bytes)}, {result.Manifest.Files.Count + 1} files, {result.Manifest.Nodes.Count} nodes{(failed == 0 ? "" : $"; {failed} things could not be collected, listed in {BundleManifest.FileName}")})"));
        return CommandRunner.Success;
    }

    /// <summary>The archive path: a .tar.gz or .tgz file in an existing folder, not a folder itself.</summary>
    public static string CheckOutput(string path)
    {
        if (TerminalText.HasControl(path)) throw new LbdeployException($"--out {TerminalText.Quote(path)} holds a control character; name a plain file");
        var full = Path.GetFullPath(path);
        if (!full.EndsWith(".tar.gz", StringComparison.Ordinal) && !full.EndsWith(".tgz", StringComparison.Ordinal))
        {
            throw new LbdeployException($"--out {TerminalText.Quote(path)} must end in .tar.gz or .tgz (the bundle is a gzip-compressed tar); e.g. --out bundle.tar.gz");
        }
        if (Directory.Exists(full)) throw new LbdeployException($"--out {TerminalText.Quote(path)} is a folder; name the archive file in it, e.g. --out {Path.Combine(path, "bundle.tar.gz")}");
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new LbdeployException($"--out {TerminalText.Quote(path)}: folder {TerminalText.Quote(folder)} does not exist; create it or choose another path");
        return full;
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / 1048576.0:0.0} MB" : $"{Math.Max(1, bytes / 1024)} kB";
}
