using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// Everything the AF_XDP path holds on one interface: the attached steering program, the socket of its receive
/// queue and the loop over that socket. Opened again when the interface is re-created.
/// </summary>
internal sealed class XdpSession : IDisposable
{
    /// <summary>Entries per ring; the UMEM holds twice as many frames (receive half, transmit half).</summary>
    public const uint RingSize = 2048;

    private XdpSession(string interfaceName, int ifIndex, XdpSteering steering, XskSocket socket)
    {
        Interface = interfaceName;
        IfIndex = ifIndex;
        Steering = steering;
        Socket = socket;
        Loop = new XdpFrameLoop(socket);
    }

    public string Interface { get; }
    public int IfIndex { get; }
    public XdpSteering Steering { get; }
    public XskSocket Socket { get; }
    public XdpFrameLoop Loop { get; }

    public string Description =>
        $"AF_XDP socket on {Interface} ({Steering.Mode} XDP, {(Socket.ZeroCopy ? "zero-copy" : "copy mode")}, {Socket.FrameSize}-byte frames)";

    /// <summary>
    /// Attaches the program, opens the socket on queue 0, registers it with the program, then sets the targets (so no
    /// frame is steered before a socket takes it). Throws <see cref="XdpUnavailableException"/> with the reason.
    /// </summary>
    public static XdpSession Open(string interfaceName, int frameSize, IReadOnlyDictionary<uint, XdpMatch> targets, string programPath, bool verbose)
    {
        var ifIndex = (int)PacketSocket.if_nametoindex(interfaceName);
        if (ifIndex == 0) throw new XdpUnavailableException($"no interface '{interfaceName}' in this network namespace");
        var queues = ReceiveQueues(interfaceName);
        if (queues > 1) throw new XdpUnavailableException($"{interfaceName} has {queues} receive queues and the AF_XDP path serves one so far");
        var steering = XdpSteering.Attach(programPath, interfaceName, ifIndex, verbose);
        XskSocket? socket = null;
        try
        {
            socket = XskSocket.Open(interfaceName, queue: 0, frameSize, RingSize);
            var session = new XdpSession(interfaceName, ifIndex, steering, socket);
            steering.Steer(0, socket);
            steering.SetTargets(targets);
            return session;
        }
        catch
        {
            steering.Dispose();
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>The interface's receive queues as sysfs lists them (1 when it cannot tell).</summary>
    private static int ReceiveQueues(string interfaceName)
    {
        try
        {
            return Math.Max(1, Directory.GetDirectories($"/sys/class/net/{interfaceName}/queues", "rx-*").Length);
        }
        catch (IOException)
        {
            return 1;
        }
        catch (UnauthorizedAccessException)
        {
            return 1;
        }
    }

    public void Dispose()
    {
        // The program first: no frame is steered to a socket that is closing.
        Steering.Dispose();
        Socket.Dispose();
    }
}
