using System.Diagnostics;
using Lb.Core.Addressing;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// An nftables netdev ingress rule that drops, on the engine's interface, the frames its ring has already taken:
/// the mux's VIP frames, the agent's IP-in-IP frames. Packet taps (the rings, libpcap) see each frame before the
/// ingress hook, so the engine still gets every one; the rule spares the host's IP stack the receive, route lookup
/// and drop of each (as much CPU as the engine's own work), and for the agent it also stops the kernel's ICMP
/// "protocol unreachable" replies (this kernel has no ipip module). It lives in its own table, named after the role
/// and the interface, which <see cref="Dispose"/> deletes; a restart replaces a table a killed engine left behind.
/// </summary>
public sealed class KernelIngressDrop : IDisposable
{
    private readonly string _interface;
    private readonly EngineLog _log;
    private bool _installed;
    private bool _disposed;

    private KernelIngressDrop(string table, string interfaceName, EngineLog log)
    {
        Table = table;
        _interface = interfaceName;
        _log = log;
    }

    public string Table { get; }

    /// <summary>nft table names allow letters, digits and underscores.</summary>
    public static string TableName(string role, string interfaceName) =>
        $"lbengine_{role}_" + new string(interfaceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>The mux's rule: IPv4 to any VIP.</summary>
    public static string VipRule(IReadOnlyList<uint> vips) =>
        "meta protocol ip ip daddr { " + string.Join(", ", vips.Select(v => new Ipv4Address(v).ToString())) + " } counter drop";

    /// <summary>The agent's rule: IP-in-IP to this host.</summary>
    public static string IpInIpRule(uint ownAddress) => $"meta protocol ip ip protocol 4 ip daddr {new Ipv4Address(ownAddress)} counter drop";

    /// <summary>Installs the rule; returns null and the reason when nftables refuses or is missing.</summary>
    public static KernelIngressDrop? TryInstall(string role, string interfaceName, string rule, EngineLog log, out string? error)
    {
        var drop = new KernelIngressDrop(TableName(role, interfaceName), interfaceName, log);
        if (!drop.TryApply(rule, out var reason))
        {
            error = reason;
            return null;
        }
        error = null;
        return drop;
    }

    /// <summary>The nft script: replace the table with one holding the rule, atomically (one transaction).</summary>
    public static string Script(string table, string interfaceName, string rule) => $$"""
        add table netdev {{table}}
        delete table netdev {{table}}
        table netdev {{table}} {
          comment "lbengine: these frames are captured before this hook; the host's IP stack does not need them"
          chain engine_ingress {
            type filter hook ingress device "{{interfaceName}}" priority 0; policy accept;
            {{rule}}
          }
        }

        """;

    /// <summary>Replaces the rule (a reload changed the VIPs).</summary>
    public void Update(string rule)
    {
        if (_disposed) return; // a reload racing the shutdown must not put the table back
        if (!TryApply(rule, out var error)) _log.Warn($"cannot update nftables table netdev {Table} on {_interface} ({error}); the host's IP stack also processes the new frames");
    }

    private bool TryApply(string rule, out string error)
    {
        var ok = Nft(Script(Table, _interface, rule), out error);
        _installed |= ok;
        return ok;
    }

    private static bool Nft(string script, out string error)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nft", ["-f", "-"])
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            process.StandardInput.Write(script);
            process.StandardInput.Close();
            // Both pipes read asynchronously, so a hung nft cannot block us past the timeout below.
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                error = "nft did not finish within 10 s";
                return false;
            }
            error = stderr.Result.Trim().Split('\n')[0];
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = $"nft: {e.Message}";
            return false;
        }
    }

    /// <summary>
    /// Deletes a table of this role and interface that a killed engine left behind, for a start that installs none
    /// (the agent's raw-socket path): its rule would drop the frames before the raw socket sees them.
    /// </summary>
    public static void RemoveStale(string role, string interfaceName)
    {
        var table = TableName(role, interfaceName);
        Nft($"add table netdev {table}\ndelete table netdev {table}\n", out _);
    }

    public void Dispose()
    {
        _disposed = true;
        if (!_installed) return;
        _installed = false;
        if (!Nft($"delete table netdev {Table}\n", out var error))
            _log.Warn($"cannot remove nftables table netdev {Table} ({error}); remove it with: nft delete table netdev {Table}");
    }
}
