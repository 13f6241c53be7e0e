using System.Collections.Frozen;
using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Remote;

/// <summary>
/// A stand-in for the ssh client: a script that records each argv (one file per call), fails like ssh when the test
/// says so (its stderr and exit 255), and otherwise runs the remote command on this machine with /bin/sh (without
/// `sudo -n`), standard input passed on. Every "machine" is this one; each node gets its own lbdeploy_root.
/// </summary>
internal sealed class FakeSsh : IDisposable
{
    public FakeSsh(params string[] nodes)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("lbdeploy-ssh-").FullName;
        Program = Path.Combine(Directory, "ssh");
        File.WriteAllText(Program, $$"""
            #!/bin/bash
            dir={{Directory}}
            n=$(mktemp "$dir/calls/call.XXXXXX")
            printf '%s\n' "$@" > "$n"
            mkdir "$dir/running/$$"
            ls "$dir/running" | wc -l >> "$dir/concurrency"
            trap 'rmdir "$dir/running/$$"' EXIT
            if [ -f "$dir/fail" ]; then cat "$dir/fail" >&2; exit 255; fi
            address=${@: -2:1}
            if [ -f "$dir/fail-$address" ]; then cat "$dir/fail-$address" >&2; exit 255; fi
            [ -f "$dir/slow" ] && sleep "$(cat "$dir/slow")"
            command=${!#}
            command=${command#sudo -n }
            /bin/sh -c "$command"
            """);
        File.SetUnixFileMode(Program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "calls"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "running"));
        var hosts = nodes.Select((node, i) => new InventoryHost(node, $"192.0.2.{i + 1}", "deploy", 22, null, null, node + "-eth0", Path.Combine(Directory, "root-" + node)));
        Inventory = new Inventory(Path.Combine(Directory, "hosts.yml"), "hosts.yml", hosts.ToFrozenDictionary(h => h.Node, StringComparer.Ordinal));
        Settings = new SshSettings(Program, Path.Combine(Directory, "control"), 2) { CommandMargin = TimeSpan.Zero };
        Shell = new SshShell(Inventory, Settings);
    }

    public string Directory { get; }

    public string Program { get; }

    public Inventory Inventory { get; }

    public SshSettings Settings { get; }

    public SshShell Shell { get; }

    /// <summary>Every later call fails as ssh does, printing <paramref name="stderr"/>.</summary>
    public void FailWith(string stderr) => File.WriteAllText(Path.Combine(Directory, "fail"), stderr);

    /// <summary>Every later call to <paramref name="node"/>'s machine fails as ssh does, printing <paramref name="stderr"/>; null: it answers again.</summary>
    public void FailFor(string node, string? stderr)
    {
        var file = Path.Combine(Directory, "fail-" + Inventory.HostOf(node).Address);
        if (stderr is null) File.Delete(file);
        else File.WriteAllText(file, stderr);
    }

    /// <summary>Every later call waits this long before it runs its command.</summary>
    public void Slow(double seconds) => File.WriteAllText(Path.Combine(Directory, "slow"), seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The argv of every call so far.</summary>
    public IReadOnlyList<string[]> Calls =>
        [.. System.IO.Directory.GetFiles(Path.Combine(Directory, "calls")).Select(f => File.ReadAllLines(f))];

    /// <summary>The most ssh processes that ran at once.</summary>
    public int MostAtOnce =>
        File.Exists(Path.Combine(Directory, "concurrency")) ? File.ReadAllLines(Path.Combine(Directory, "concurrency")).Max(l => int.Parse(l.Trim())) : 0;

    public string RootOf(string node) => Inventory.HostOf(node).Root;

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
