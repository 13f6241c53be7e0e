using Lb.Core.Addressing;
using SharpPcap;
using SharpPcap.LibPcap;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// libpcap through SharpPcap: immediate mode, BPF <c>inbound and ip and (host VIP ...)</c>, the event API parsing the
/// captured bytes in place, one pcap_sendpacket per output frame. libpcap ends a capture whose interface goes down
/// ("The interface went down"); a recovery thread then waits for the link (<see cref="LinkMonitor"/>) and opens the
/// capture again. Unlike the ring, a lost carrier alone is not noticed (libpcap reports nothing, and there is no idle hook).
/// </summary>
public sealed class PcapFramePath : IFramePath
{
    private readonly string _interface;
    private readonly byte[] _output;
    private readonly Lock _deviceLock = new();
    private readonly CancellationTokenSource _stop = new();
    private LibPcapLiveDevice _device;
    private string _filter;
    private IFrameProcessor? _processor;
    private Action<string>? _failed;
    private volatile bool _capturing;
    private long _lastDrops;
    private long _closedDrops;
    private Thread? _recovery;

    public PcapFramePath(string interfaceName, IReadOnlyList<uint> vips, int outputBufferSize, EngineLog log, LinkLimits? limits = null)
    {
        _interface = interfaceName;
        _output = new byte[outputBufferSize];
        _filter = Filter(vips);
        _device = OpenCapture(interfaceName, _filter);
        Link = new LinkMonitor(interfaceName, (int)Interop.PacketSocket.if_nametoindex(interfaceName), KernelLinkProbe.Instance, TimeProvider.System,
            limits ?? LinkLimits.Default, log);
    }

    public LinkMonitor Link { get; }

    public string Description => $"libpcap on {_interface}, filter '{_filter}'";

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

    private static LibPcapLiveDevice OpenCapture(string interfaceName, string filter)
    {
        var device = OpenDevice(interfaceName);
        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = DeviceModes.None,
                ReadTimeout = 100,
                Snaplen = 65535,
                Immediate = true,
                BufferSize = 16 << 20,
            });
            device.Filter = filter;
            return device;
        }
        catch (PcapException e)
        {
            device.Dispose();
            throw new StartupException($"cannot capture on {interfaceName}: {e.Message}; check the interface and that lbengine runs as root");
        }
    }

    public void Start(IFrameProcessor processor, Action<string> failed)
    {
        _processor = processor;
        _failed = failed;
        _capturing = true;
        Attach(_device);
    }

    private void Attach(LibPcapLiveDevice device)
    {
        device.OnPacketArrival += OnPacketArrival;
        device.OnCaptureStopped += OnCaptureStopped;
        device.StartCapture();
    }

    private void OnPacketArrival(object sender, PacketCapture capture)
    {
        var processor = _processor!;
        var length = processor.Process(capture.Data, _output);
        if (length == 0) return;
        try
        {
            ((LibPcapLiveDevice)sender).SendPacket(new ReadOnlySpan<byte>(_output, 0, length));
        }
        catch (PcapException)
        {
            processor.OnSendFailed();
        }
    }

    /// <summary>On SharpPcap's capture thread, which ends after this: recovery runs on a thread of its own.</summary>
    private void OnCaptureStopped(object sender, CaptureStoppedEventStatus status)
    {
        if (status != CaptureStoppedEventStatus.ErrorWhileCapturing || !_capturing) return;
        _recovery = new Thread(Recover) { Name = "lbengine-pcap-link", IsBackground = true };
        _recovery.Start();
    }

    /// <summary>Waits for the link, then captures again on a freshly opened device; retries each probe interval.</summary>
    private void Recover()
    {
        var stop = _stop.Token;
        var action = Link.OnError(linkWentDown: true, "the capture failed", stop);
        while (!stop.IsCancellationRequested)
        {
            if (action == LinkAction.Wait) action = Link.WaitForLink(stop);
            if (action == LinkAction.Stopped) return;
            if (action == LinkAction.GiveUp)
            {
                _capturing = false;
                _failed?.Invoke(Link.GiveUpMessage);
                return;
            }
            try
            {
                lock (_deviceLock)
                {
                    if (stop.IsCancellationRequested) return;
                    var fresh = OpenCapture(_interface, _filter);
                    CloseDevice();
                    _device = fresh;
                    Attach(fresh);
                }
                if (action == LinkAction.Reopen) Link.Reopened((int)Interop.PacketSocket.if_nametoindex(_interface));
                return;
            }
            catch (Exception e) when (e is StartupException or PcapException)
            {
                if (!Link.CountError($"cannot capture again: {e.Message}", stop)) return;
                action = LinkAction.Wait;
            }
        }
    }

    public void SetVips(IReadOnlyList<uint> vips)
    {
        lock (_deviceLock)
        {
            _filter = Filter(vips);
            _device.Filter = _filter;
        }
    }

    /// <summary>libpcap's count while capturing, plus the final counts of devices closed since (a counter never goes back).</summary>
    public long KernelDrops()
    {
        lock (_deviceLock)
        {
            try
            {
                if (_capturing) _lastDrops = (long)_device.Statistics.DroppedPackets;
            }
            catch (PcapException)
            {
                // The device closed under us: keep the last value.
            }
            return _closedDrops + _lastDrops;
        }
    }

    /// <summary>Under the device lock: the old device's handlers off, its count kept, closed.</summary>
    private void CloseDevice()
    {
        var device = _device;
        _closedDrops += _lastDrops;
        _lastDrops = 0;
        device.OnPacketArrival -= OnPacketArrival;
        device.OnCaptureStopped -= OnCaptureStopped;
        try { device.StopCapture(); } catch (PcapException) { }
        device.Close();
        device.Dispose();
    }

    public void Stop()
    {
        if (!_capturing) return;
        KernelDrops();
        _capturing = false;
        _stop.Cancel();
        _recovery?.Join();
        lock (_deviceLock)
        {
            try { _device.StopCapture(); } catch (PcapException) { }
            _device.OnPacketArrival -= OnPacketArrival;
            _device.OnCaptureStopped -= OnCaptureStopped;
        }
    }

    public void Dispose()
    {
        Stop();
        _stop.Cancel();
        _device.Close();
        _device.Dispose();
        _stop.Dispose();
    }
}
