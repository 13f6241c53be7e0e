using System.Runtime.CompilerServices;
using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// A ring the process produces into and the kernel consumes (fill, transmit): xsk.h's inline accessors in C#, over
/// the pointers libxdp mapped. Only the packet thread touches it. The producer index is published with a release
/// store after the entries are written; the kernel's consumer index is read with an acquire load, as xsk.h does.
/// </summary>
internal sealed unsafe class XskProducerRing
{
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly void* _ring;
    private readonly uint _mask;
    private readonly uint _size;
    private uint _cachedProducer;
    // Kept `size` ahead of the kernel's consumer index, as libxdp does: free entries = cached consumer - cached producer.
    private uint _cachedConsumer;

    public XskProducerRing(in LibXdp.XskRingLayout layout)
    {
        _producer = layout.Producer;
        _consumer = layout.Consumer;
        _flags = layout.Flags;
        _ring = layout.Ring;
        _mask = layout.Mask;
        _size = layout.Size;
        _cachedProducer = layout.CachedProducer;
        _cachedConsumer = layout.CachedConsumer;
    }

    public uint Size => _size;

    /// <summary>Entries free for the producer (at least <paramref name="wanted"/> if the kernel has consumed enough).</summary>
    public uint Free(uint wanted)
    {
        var free = _cachedConsumer - _cachedProducer;
        if (free >= wanted) return free;
        _cachedConsumer = Volatile.Read(ref *_consumer) + _size;
        return _cachedConsumer - _cachedProducer;
    }

    /// <summary>Reserves <paramref name="count"/> entries from <paramref name="index"/> on, or none (0) if fewer are free.</summary>
    public uint Reserve(uint count, out uint index)
    {
        index = _cachedProducer;
        if (Free(count) < count) return 0;
        _cachedProducer += count;
        return count;
    }

    /// <summary>Hands the next <paramref name="count"/> reserved entries to the kernel.</summary>
    public void Submit(uint count) => Volatile.Write(ref *_producer, *_producer + count);

    /// <summary>The kernel asks for a system call before it looks at this ring again (XDP_USE_NEED_WAKEUP).</summary>
    public bool NeedsWakeup => (Volatile.Read(ref *_flags) & LibXdp.XdpRingNeedWakeup) != 0;

    /// <summary>A fill-ring entry: the UMEM address of a frame the kernel may receive into.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong Address(uint index) => ref ((ulong*)_ring)[index & _mask];

    /// <summary>A transmit-ring entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref LibXdp.XdpDescriptor Descriptor(uint index) => ref ((LibXdp.XdpDescriptor*)_ring)[index & _mask];
}

/// <summary>
/// A ring the kernel produces into and the process consumes (receive, completion): xsk.h's inline accessors in C#.
/// The kernel's producer index is read with an acquire load; the consumer index is published with a release store
/// once the entries are read.
/// </summary>
internal sealed unsafe class XskConsumerRing
{
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly void* _ring;
    private readonly uint _mask;
    private uint _cachedProducer;
    private uint _cachedConsumer;

    public XskConsumerRing(in LibXdp.XskRingLayout layout)
    {
        _producer = layout.Producer;
        _consumer = layout.Consumer;
        _ring = layout.Ring;
        _mask = layout.Mask;
        _cachedProducer = layout.CachedProducer;
        _cachedConsumer = layout.CachedConsumer;
    }

    /// <summary>Takes up to <paramref name="wanted"/> entries from <paramref name="index"/> on; returns how many.</summary>
    public uint Peek(uint wanted, out uint index)
    {
        var available = _cachedProducer - _cachedConsumer;
        if (available == 0)
        {
            _cachedProducer = Volatile.Read(ref *_producer);
            available = _cachedProducer - _cachedConsumer;
        }
        var taken = available > wanted ? wanted : available;
        index = _cachedConsumer;
        _cachedConsumer += taken;
        return taken;
    }

    /// <summary>Gives the next <paramref name="count"/> peeked entries back to the kernel.</summary>
    public void Release(uint count) => Volatile.Write(ref *_consumer, *_consumer + count);

    /// <summary>A completion-ring entry: the UMEM address of a frame the kernel has sent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Address(uint index) => ((ulong*)_ring)[index & _mask];

    /// <summary>A receive-ring entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly LibXdp.XdpDescriptor Descriptor(uint index) => ref ((LibXdp.XdpDescriptor*)_ring)[index & _mask];
}
