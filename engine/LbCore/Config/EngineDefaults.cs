namespace Lb.Core.Config;

/// <summary>
/// What every optional key of the engine config means when it is left out: the one list the config records, lbengine's
/// loader, Maglev and lbdeploy's lb.yaml defaults use (engine/README.md shows it, a test keeps the two equal).
/// </summary>
public static class EngineDefaults
{
    public const int Mtu = 1500;
    public const PacketIoKind PacketIo = PacketIoKind.Ring;
    public const int PacketThreads = 1;
    public const int Weight = 1;
    public const int TableSize = 65537;
    public const uint Seed = 0;
    public const int Capacity = 65536;
    public const int IdleTimeoutSeconds = 120;
    public const bool HealthEnabled = true;
    public const int HealthIntervalMs = 500;
    public const int HealthTimeoutMs = 300;
    public const int HealthRise = 2;
    public const int HealthFall = 2;
    public const int HealthDeadAfterMs = 1500;
    public const int HealthPort = 9199;
    public const int HealthHttpStatus = 200;
    public const bool SecondChanceEnabled = false;
    /// <summary>How long a retired Maglev table's owners stay alternates: well past the connection idle timeout, so draining connections keep their second chance.</summary>
    public const int SecondChanceRetentionSeconds = 600;
}
