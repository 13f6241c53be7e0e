using System.Diagnostics;
using Lb.Core.Addressing;
using Lb.Engine.Hosting;

namespace Lb.Engine.PacketIo;

/// <summary>
/// An nftables netdev ingress rule that drops IPv4 frames to the VIPs on the mux's interface. Packet taps (the
/// ring, libpcap) see each frame before the ingress hook, so the mux still gets every VIP packet; the rule only
/// spares the mux host's kernel the IP receive, route lookup and "not for me" drop of each one, which otherwise
/// costs as much as the mux's own work. It lives in its own table, named after the interface, which
/// <see cref="Dispose"/> deletes; a restart replaces a table a killed engine left behind. Without nft the mux
/// works the same, at a higher CPU cost per packet.
/// </summary>
public sealed class KernelVipDrop : IDisposable
{
    private readonly string _interface;
    private readonly EngineLog _log;
    private bool _installed;

    private KernelVipDrop(string interfaceName, EngineLog log)
    {
        _interface = interfaceName;
        _log = log;
    }

    public string Table => TableName(_interface);

    /// <summary>nft table names allow letters, digits and underscores.</summary>
    public static string TableName(string interfaceName) =>
        "lbengine_mux_" + new string(interfaceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>Installs the rule; returns null (after a warning) when nftables is unavailable.</summary>
    public static KernelVipDrop? TryInstall(string interfaceName, IReadOnlyList<uint> vips, EngineLog log)
    {
        var drop = new KernelVipDrop(interfaceName, log);
        if (!drop.TryApply(vips, out var error))
        {
            log.Warn($"cannot install the nftables ingress drop for the VIPs on {interfaceName} ({error}); the mux works, but the kernel also processes every VIP packet (apt-get install nftables)");
            return null;
        }
        return drop;
    }

    /// <summary>The nft script: replace the table (atomically, one transaction) with one rule for these VIPs.</summary>
    public static string Script(string interfaceName, IReadOnlyList<uint> vips)
    {
        var table = TableName(interfaceName);
        var set = string.Join(", ", vips.Select(v => new Ipv4Address(v).ToString()));
        return $$"""
            add table netdev {{table}}
            delete table netdev {{table}}
            table netdev {{table}} {
              comment "lbengine mux: VIP frames are captured before this hook; the kernel does not need them"
              chain vip_ingress {
                type filter hook ingress device "{{interfaceName}}" priority 0; policy accept;
                meta protocol ip ip daddr { {{set}} } counter drop
              }
            }

            """;
    }

    /// <summary>Points the rule at a new VIP set (a reload).</summary>
    public void Update(IReadOnlyList<uint> vips)
    {
        if (!TryApply(vips, out var error)) _log.Warn($"cannot update the nftables ingress drop on {_interface} ({error}); the kernel processes the new VIPs' packets too");
    }

    private bool TryApply(IReadOnlyList<uint> vips, out string error)
    {
        var ok = Nft(Script(_interface, vips), out error);
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
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
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

    public void Dispose()
    {
        if (!_installed) return;
        _installed = false;
        if (!Nft($"delete table netdev {Table}\n", out var error))
            _log.Warn($"cannot remove nftables table netdev {Table} ({error}); remove it with: nft delete table netdev {Table}");
    }
}
