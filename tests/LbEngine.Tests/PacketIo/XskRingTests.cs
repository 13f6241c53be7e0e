using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using Lb.Engine.PacketIo.Xdp;

namespace Lb.Engine.Tests.PacketIo;

/// <summary>
/// The C# AF_XDP ring accessors over plain memory laid out as the kernel maps a ring (producer, consumer, flags,
/// entries), the test playing the kernel's side; and the UMEM frame size rule.
/// </summary>
public sealed unsafe class XskRingTests : IDisposable
{
    private const uint Size = 8;
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly ulong* _entries;

    public XskRingTests()
    {
        _producer = (uint*)NativeMemory.AllocZeroed(4);
        _consumer = (uint*)NativeMemory.AllocZeroed(4);
        _flags = (uint*)NativeMemory.AllocZeroed(4);
        _entries = (ulong*)NativeMemory.AllocZeroed(Size * (nuint)sizeof(LibXdp.XdpDescriptor));
    }

    /// <summary>As libxdp leaves a producer ring: the cached consumer one ring ahead, so the whole ring is free.</summary>
    private LibXdp.XskRingLayout Layout(bool producer) => new()
    {
        CachedProducer = 0,
        CachedConsumer = producer ? Size : 0,
        Mask = Size - 1,
        Size = Size,
        Producer = _producer,
        Consumer = _consumer,
        Ring = _entries,
        Flags = _flags,
    };

    [Fact]
    public void A_producer_reserves_the_free_entries_publishes_on_submit_and_refills_from_the_consumer_index()
    {
        var fill = new XskProducerRing(Layout(producer: true));
        Assert.Equal(6u, fill.Reserve(6, out var first));
        Assert.Equal(0u, first);
        for (var i = 0u; i < 6; i++) fill.Address(first + i) = 100 + i;
        Assert.Equal(0u, *_producer); // nothing visible before submit
        fill.Submit(6);
        Assert.Equal(6u, *_producer);
        Assert.Equal(105ul, _entries[5]);

        // Only 2 free until the kernel consumes.
        Assert.Equal(0u, fill.Reserve(3, out _));
        *_consumer = 4;
        Assert.Equal(3u, fill.Reserve(3, out var next));
        Assert.Equal(6u, next);
        // Indexes wrap through the mask: entry 8 is slot 0.
        fill.Address(next + 2) = 999;
        Assert.Equal(999ul, _entries[0]);
        fill.Submit(3);
        Assert.Equal(9u, *_producer);
    }

    [Fact]
    public void A_consumer_peeks_what_the_kernel_produced_and_releases_it()
    {
        var receive = new XskConsumerRing(Layout(producer: false));
        Assert.Equal(0u, receive.Peek(4, out _));
        var descriptors = (LibXdp.XdpDescriptor*)_entries;
        for (var i = 0; i < 5; i++) descriptors[i] = new LibXdp.XdpDescriptor { Address = (ulong)(2048 * i + 256), Length = (uint)(60 + i) };
        *_producer = 5;

        Assert.Equal(4u, receive.Peek(4, out var index));
        Assert.Equal(0u, index);
        Assert.Equal(62u, receive.Descriptor(index + 2).Length);
        Assert.Equal(1u, receive.Peek(4, out index));
        Assert.Equal(4u, index);
        Assert.Equal(0u, *_consumer); // the kernel may not reuse them before release
        receive.Release(5);
        Assert.Equal(5u, *_consumer);
        Assert.Equal(0u, receive.Peek(4, out _));
    }

    [Fact]
    public void The_counters_wrap_around_32_bits()
    {
        var start = uint.MaxValue - 2;
        var layout = Layout(producer: false) with { CachedProducer = start, CachedConsumer = start };
        *_producer = start;
        *_consumer = start;
        var completion = new XskConsumerRing(layout);
        *_producer = start + 5; // wraps to 2
        Assert.Equal(5u, completion.Peek(8, out var index));
        Assert.Equal(start, index);
        completion.Release(5);
        Assert.Equal(2u, *_consumer);
    }

    [Fact]
    public void Need_wakeup_follows_the_kernels_flag()
    {
        var transmit = new XskProducerRing(Layout(producer: true));
        Assert.False(transmit.NeedsWakeup);
        *_flags = LibXdp.XdpRingNeedWakeup;
        Assert.True(transmit.NeedsWakeup);
    }

    [Fact]
    public void A_transmit_descriptor_is_written_in_place()
    {
        var transmit = new XskProducerRing(Layout(producer: true));
        Assert.Equal(1u, transmit.Reserve(1, out var index));
        ref var slot = ref transmit.Descriptor(index);
        slot.Address = 4096;
        slot.Length = 74;
        Assert.Equal(4096ul, ((LibXdp.XdpDescriptor*)_entries)[0].Address);
        Assert.Equal(74u, ((LibXdp.XdpDescriptor*)_entries)[0].Length);
    }

    [Theory]
    [InlineData(1500, 2048)]
    [InlineData(1700, 2048)]
    [InlineData(1800, 4096)]
    [InlineData(3800, 4096)]
    public void Frames_hold_the_kernels_headroom_and_the_outer_header(int mtu, int frameSize) =>
        Assert.Equal(frameSize, XdpFramePath.FrameSize(mtu, outputOverhead: 60));

    [Fact]
    public void An_mtu_beyond_4k_frames_is_refused_so_the_engine_falls_back() =>
        Assert.Throws<XdpUnavailableException>(() => XdpFramePath.FrameSize(9000, outputOverhead: 60));

    [Fact]
    public void The_interop_structs_have_the_kernels_sizes()
    {
        Assert.Equal(16, sizeof(LibXdp.XdpDescriptor));
        Assert.Equal(48, sizeof(LibXdp.XdpStatistics));
        Assert.Equal(48, sizeof(LibXdp.XskRingLayout));
        Assert.Equal(20, sizeof(LibXdp.XskUmemConfig));
        Assert.Equal(20, sizeof(LibXdp.XskSocketConfig));
    }

    public void Dispose()
    {
        NativeMemory.Free(_producer);
        NativeMemory.Free(_consumer);
        NativeMemory.Free(_flags);
        NativeMemory.Free(_entries);
    }
}
