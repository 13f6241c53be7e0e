using Lb.Core.Addressing;
using SharpPcap;
using SharpPcap.LibPcap;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// libpcap through SharpPcap: immediate mode, BPF <c>inbound and ip and (host VIP ...)</c>, the event API parsing the
/// captured bytes in place, one pcap_sendpacket per output frame. libpcap (1.10) rides out a link that goes down
/// and up by itself (it ignores ENETDOWN), so a watch thread probes the link every <see cref="LinkLimits.ProbeInterval"/>
/// for health and the stats; a capture that does end with an error (the interface was removed) is opened again once
/// the interface is back.
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
    private Thread? _watch;
    private int _captureFailed;

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

    public void Start(IReadOnlyList<IFrameProcessor> processors, Action<string> failed)
    {
        _processor = processors[0];
        _failed = failed;
        _capturing = true;
        Attach(_device);
        _watch = new Thread(Watch) { Name = "lbengine-pcap-link", IsBackground = true };
        _watch.Start();
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

    /// <summary>On SharpPcap's capture thread, which ends after this: the watch thread opens a new capture.</summary>
    private void OnCaptureStopped(object sender, CaptureStoppedEventStatus status)
    {
        if (status == CaptureStoppedEventStatus.ErrorWhileCapturing && _capturing) Volatile.Write(ref _captureFailed, 1);
    }

    /// <summary>Probes the link each interval; after a failed capture (or a re-created interface) captures again once it is usable.</summary>
    private void Watch()
    {
        var stop = _stop.Token;
        var recapture = false;
        while (!stop.IsCancellationRequested)
        {
            LinkAction action;
            if (Interlocked.Exchange(ref _captureFailed, 0) == 1)
            {
                recapture = true;
                action = Link.OnError(linkWentDown: true, "the capture failed", stop);
            }
            else if (Link.IsDown)
            {
                action = Link.Step();
                // libpcap would pick the link up by itself, but only after a second or so: a new capture is faster.
                recapture |= action == LinkAction.Resume;
            }
            else
            {
                action = Link.IdleCheck() ? LinkAction.Resume : LinkAction.Wait;
            }
            if (action == LinkAction.Stopped) return;
            if (action == LinkAction.GiveUp)
            {
                _capturing = false;
                _failed?.Invoke(Link.GiveUpMessage);
                return;
            }
            if (action == LinkAction.Reopen) recapture = true;
            if (recapture && action is LinkAction.Resume or LinkAction.Reopen && Recapture(stop))
            {
                recapture = false;
                if (action == LinkAction.Reopen) Link.Reopened((int)Interop.PacketSocket.if_nametoindex(_interface));
            }
            if (!Link.Sleep(stop)) return;
        }
    }

    /// <summary>A freshly opened device in place of the old one; false (counted) if it cannot be opened yet.</summary>
    private bool Recapture(CancellationToken stop)
    {
        try
        {
            lock (_deviceLock)
            {
                if (stop.IsCancellationRequested) return false;
                var fresh = OpenCapture(_interface, _filter);
                CloseDevice();
                _device = fresh;
                Attach(fresh);
            }
            return true;
        }
        catch (Exception e) when (e is StartupException or PcapException)
        {
            Link.CountError($"cannot capture again: {e.Message}", stop);
            return false;
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
        _watch?.Join();
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
