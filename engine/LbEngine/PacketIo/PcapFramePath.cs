using Lb.Core.Addressing;
using SharpPcap;
using SharpPcap.LibPcap;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// libpcap through SharpPcap: immediate mode, BPF <c>inbound and ip and (host VIP ...)</c>, the event API parsing the
/// captured bytes in place, one pcap_sendpacket per output frame.
/// </summary>
public sealed class PcapFramePath : IFramePath
{
    private readonly LibPcapLiveDevice _device;
    private readonly byte[] _output;
    private IFrameProcessor? _processor;
    private Action<string>? _failed;
    private volatile bool _capturing;
    private long _lastDrops;

    public PcapFramePath(string interfaceName, IReadOnlyList<uint> vips, int outputBufferSize)
    {
        _device = OpenDevice(interfaceName);
        _output = new byte[outputBufferSize];
        try
        {
            _device.Open(new DeviceConfiguration
            {
                Mode = DeviceModes.None,
                ReadTimeout = 100,
                Snaplen = 65535,
                Immediate = true,
                BufferSize = 16 << 20,
            });
            _device.Filter = Filter(vips);
        }
        catch (PcapException e)
        {
            throw new StartupException($"cannot capture on {interfaceName}: {e.Message}; check the interface and that lbengine runs as root");
        }
    }

    public string Description => $"libpcap on {_device.Name}, filter '{_device.Filter}'";

    /// <summary>
    /// <c>inbound</c>: not what we send ourselves. <c>ip</c>: not ARP about the VIP. <c>host</c>, not <c>dst host</c>:
    /// packets FROM a VIP must be seen too, to count them as DSR violations.
    /// </summary>
    public static string Filter(IReadOnlyList<uint> vips) =>
        "inbound and ip and (" + string.Join(" or ", vips.Select(v => $"host {new Ipv4Address(v)}")) + ")";

    internal static LibPcapLiveDevice OpenDevice(string name)
    {
        try
        {
            return LibPcapLiveDeviceList.New().FirstOrDefault(d => d.Name == name)
                ?? throw new StartupException($"libpcap sees no interface '{name}' in this network namespace; fix \"interface\" in the config or start lbengine inside the host");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            throw new StartupException("libpcap is not installed (libpcap.so.0.8 not found); install it: apt-get install libpcap0.8", 1, e);
        }
    }

    public void Start(IFrameProcessor processor, Action<string> failed)
    {
        _processor = processor;
        _failed = failed;
        _device.OnPacketArrival += OnPacketArrival;
        _device.OnCaptureStopped += OnCaptureStopped;
        _device.StartCapture();
        _capturing = true;
    }

    private void OnPacketArrival(object sender, PacketCapture capture)
    {
        var processor = _processor!;
        var length = processor.Process(capture.Data, _output);
        if (length == 0) return;
        try
        {
            _device.SendPacket(new ReadOnlySpan<byte>(_output, 0, length));
        }
        catch (PcapException)
        {
            processor.OnSendFailed();
        }
    }

    private void OnCaptureStopped(object sender, CaptureStoppedEventStatus status)
    {
        if (status != CaptureStoppedEventStatus.ErrorWhileCapturing || !_capturing) return;
        _capturing = false;
        _failed?.Invoke($"capture on {_device.Name} failed (interface down or removed?); stopping");
    }

    public void SetVips(IReadOnlyList<uint> vips) => _device.Filter = Filter(vips);

    /// <summary>libpcap's count while capturing; the last count read once capture stopped (a counter never goes back).</summary>
    public long KernelDrops()
    {
        try
        {
            if (_capturing) _lastDrops = (long)_device.Statistics.DroppedPackets;
        }
        catch (PcapException)
        {
            // The device closed under us: keep the last value.
        }
        return _lastDrops;
    }

    public void Stop()
    {
        if (!_capturing) return;
        KernelDrops();
        _capturing = false;
        try { _device.StopCapture(); } catch (PcapException) { }
        _device.OnPacketArrival -= OnPacketArrival;
        _device.OnCaptureStopped -= OnCaptureStopped;
    }

    public void Dispose()
    {
        Stop();
        _device.Close();
        _device.Dispose();
    }
}
