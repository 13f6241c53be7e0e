using System.Buffers.Binary;
using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// lbengine's XDP program (engine/xdp/lb_steer.bpf.c, built beside lbengine) attached to one interface through
/// libxdp, so it runs beside other XDP programs under libxdp's dispatcher: frames to (or from) the addresses in its
/// target map go to the AF_XDP socket of their receive queue, every other frame to the kernel's stack. Detached when
/// disposed. Target updates come from a reload (another thread than the packet thread); the kernel applies each map
/// update atomically.
/// </summary>
internal sealed unsafe class XdpSteering : IDisposable
{
    public const string ProgramFileName = "lb_steer.bpf.o";
    /// <summary>The program's name in the kernel (its function in lb_steer.bpf.c).</summary>
    public const string ProgramName = "lb_steer";
    private const string TargetsMap = "lb_targets";
    private const string SocketsMap = "lb_xsks";

    private readonly SafeXdpProgram _program;
    private readonly int _targetsFd;
    private readonly int _socketsFd;
    private readonly Lock _lock = new();
    private Dictionary<uint, XdpMatch> _targets = [];

    private XdpSteering(SafeXdpProgram program, int targetsFd, int socketsFd, string mode)
    {
        _program = program;
        _targetsFd = targetsFd;
        _socketsFd = socketsFd;
        Mode = mode;
    }

    /// <summary>"native" (in the driver) or "generic" (the kernel's skb path).</summary>
    public string Mode { get; }

    /// <summary>Where the build puts the program: xdp/ beside lbengine.dll.</summary>
    public static string DefaultProgramPath => Path.Combine(AppContext.BaseDirectory, "xdp", ProgramFileName);

    /// <summary>Loads the program and attaches it to <paramref name="ifIndex"/>, natively if the driver can, else generic.</summary>
    public static XdpSteering Attach(string programPath, string interfaceName, int ifIndex, bool verbose)
    {
        if (!File.Exists(programPath))
            throw new XdpUnavailableException($"the XDP program {programPath} is missing (lbengine's build compiles it when clang and libbpf-dev are installed)");
        nint raw;
        try
        {
            if (!verbose)
            {
                // libxdp and libbpf print their own multi-line diagnostics; the engine says what failed in one line.
                LibXdp.libxdp_set_print(0);
                LibXdp.libbpf_set_print(0);
            }
            raw = LibXdp.xdp_program__open_file(programPath, "xdp", 0);
        }
        catch (DllNotFoundException)
        {
            throw new XdpUnavailableException("libxdp is not installed (libxdp.so.1 not found); apt-get install libxdp1");
        }
        var error = LibXdp.libxdp_get_error(raw);
        if (raw == 0 || error != 0)
            throw new XdpUnavailableException($"cannot open the XDP program {programPath}: {LibXdp.ErrorText(error == 0 ? -22 : error)}");
        var program = new SafeXdpProgram(raw);
        try
        {
            RemoveStale(ifIndex);
            var mode = LibXdp.AttachMode.Native;
            var result = LibXdp.xdp_program__attach(raw, ifIndex, mode, 0);
            if (result != 0)
            {
                mode = LibXdp.AttachMode.Skb;
                var generic = LibXdp.xdp_program__attach(raw, ifIndex, mode, 0);
                if (generic != 0)
                    throw new XdpUnavailableException($"cannot attach the XDP program to {interfaceName}: native {LibXdp.ErrorText(result)}, generic {LibXdp.ErrorText(generic)}" +
                                                      (generic == -2 || result == -2 ? " (is bpffs mounted on /sys/fs/bpf?)" : ""));
            }
            program.AttachedIfIndex = ifIndex;
            program.AttachedMode = mode;
            var bpfObject = LibXdp.xdp_program__bpf_obj(raw);
            var targets = LibXdp.bpf_object__find_map_fd_by_name(bpfObject, TargetsMap);
            var sockets = LibXdp.bpf_object__find_map_fd_by_name(bpfObject, SocketsMap);
            if (targets < 0 || sockets < 0)
                throw new XdpUnavailableException($"the XDP program {programPath} has no {(targets < 0 ? TargetsMap : SocketsMap)} map; rebuild lbengine");
            return new XdpSteering(program, targets, sockets, mode == LibXdp.AttachMode.Native ? "native" : "generic");
        }
        catch
        {
            program.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Detaches an lb_steer left attached alone by an engine that was killed (without libxdp's dispatcher, the kernel
    /// keeps a program attached after its process is gone), as a stale nftables table is replaced. Anything else
    /// attached is left alone (the attach then fails and the engine falls back).
    /// </summary>
    private static void RemoveStale(int ifIndex)
    {
        var attached = LibXdp.xdp_multiprog__get_from_ifindex(ifIndex);
        if (attached == 0 || LibXdp.libxdp_get_error(attached) != 0) return;
        try
        {
            if (!LibXdp.xdp_multiprog__is_legacy(attached)) return;
            var main = LibXdp.xdp_multiprog__main_prog(attached);
            if (main == 0) return;
            var name = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibXdp.xdp_program__name(main));
            if (name == ProgramName) LibXdp.xdp_multiprog__detach(attached);
        }
        finally
        {
            LibXdp.xdp_multiprog__close(attached);
        }
    }

    /// <summary>Frames of receive queue <paramref name="queue"/> that match a target go to this socket from now on.</summary>
    public void Steer(uint queue, XskSocket socket)
    {
        var result = LibXdp.xsk_socket__update_xskmap(socket.DangerousHandle, _socketsFd);
        if (result != 0) throw new XdpUnavailableException($"cannot register the AF_XDP socket of queue {queue} with the XDP program: {LibXdp.ErrorText(result)}");
    }

    /// <summary>Makes the target map equal to <paramref name="targets"/> (address in host order, how it matches).</summary>
    public void SetTargets(IReadOnlyDictionary<uint, XdpMatch> targets)
    {
        lock (_lock)
        {
            foreach (var (address, match) in targets)
            {
                if (_targets.TryGetValue(address, out var old) && old == match) continue;
                var key = NetworkOrder(address);
                var value = (uint)match;
                var result = LibXdp.bpf_map_update_elem(_targetsFd, &key, &value, 0);
                if (result != 0) throw new XdpUnavailableException($"cannot add {new Lb.Core.Addressing.Ipv4Address(address)} to the XDP program's targets: {LibXdp.ErrorText(result)}");
            }
            foreach (var address in _targets.Keys)
            {
                if (targets.ContainsKey(address)) continue;
                var key = NetworkOrder(address);
                LibXdp.bpf_map_delete_elem(_targetsFd, &key);
            }
            _targets = new Dictionary<uint, XdpMatch>(targets);
        }
    }

    /// <summary>The key as the program reads it: the header's four bytes, as they are on the wire.</summary>
    private static uint NetworkOrder(uint address) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(address) : address;

    public void Dispose() => _program.Dispose();
}
