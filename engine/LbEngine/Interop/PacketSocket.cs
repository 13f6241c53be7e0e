using System.Runtime.InteropServices;

namespace Lb.Engine.Interop;

/// <summary>The slice of linux/if_packet.h, sys/socket.h and sys/mman.h that the AF_PACKET ring needs.</summary>
internal static unsafe partial class PacketSocket
{
    public const int AfPacket = 17;
    public const ushort EthPAll = 0x0003;

    public const int SolSocket = 1;
    public const int SoAttachFilter = 26;
    public const int SoError = 4;

    public const int SolPacket = 263;
    public const int PacketRxRing = 5;
    public const int PacketStatistics = 6;
    public const int PacketVersion = 10;
    public const int PacketTxRing = 13;
    public const int PacketLoss = 14;
    public const int PacketIgnoreOutgoing = 23;
    public const int PacketFanout = 18;
    public const int PacketFanoutHash = 0;
    public const int PacketFanoutFlagDefrag = 0x8000;
    public const int TPacketV2 = 1;

    /// <summary>Where a TX frame's data starts: TPACKET2_HDRLEN - sizeof(sockaddr_ll) = 52 - 20.</summary>
    public const int TxDataOffset = 32;

    public const uint TpStatusKernel = 0;
    public const uint TpStatusUser = 1;
    public const uint TpStatusAvailable = 0;
    public const uint TpStatusSendRequest = 1;
    public const uint TpStatusWrongFormat = 4;

    public const int MsgDontWait = 0x40;
    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int MapShared = 1;
    public const int MapPopulate = 0x8000;

    public const int EIntr = 4;
    public const int ENxio = 6;
    public const int ENoDev = 19;
    public const int ENetDown = 100;
    public const int EAgain = 11;
    public const int ENoBufs = 105;

    [StructLayout(LayoutKind.Sequential)]
    public struct TpacketReq
    {
        public uint BlockSize;
        public uint BlockCount;
        public uint FrameSize;
        public uint FrameCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TpacketStats
    {
        public uint Packets;
        public uint Drops;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol; // network byte order
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Address[8]; // 20 bytes in all, as in linux/if_packet.h
    }

    /// <summary>A classic BPF instruction (struct sock_filter).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(SafeSocketFd fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(SafeSocketFd fd, int level, int name, void* value, ref uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(SafeSocketFd fd, SockaddrLl* address, uint length);

    /// <summary>A new mapping; check <c>IsInvalid</c> (MAP_FAILED), then <c>Initialize</c> it with its length.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial SafeMmapRegion mmap(nint address, nuint length, int protection, int flags, SafeSocketFd fd, nint offset);

    /// <summary>Only <see cref="SafeMmapRegion"/> unmaps.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint address, nuint length);

    /// <summary>On the packet thread, which holds a reference to the socket for its whole loop: the bare number.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(SafeSocketFd fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(SafeSocketFd fd, MMsgHdr* messages, uint count, int flags);

    public const int SoRcvBuf = 8;
    public const int SoSndBuf = 7;
    public const int SoRcvTimeo = 20;
    public const int SoRcvBufForce = 33;
    public const int SoSndBufForce = 32;
    public const int IpProtoRaw = 255;
    /// <summary>recvmmsg: block for the first message only, then take what is queued.</summary>
    public const int MsgWaitForOne = 0x10000;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrIn
    {
        public ushort Family;
        public ushort Port;
        public uint Address; // network byte order
        public ulong Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    /// <summary>setsockopt with an int value; true when the kernel took it.</summary>
    public static bool TrySetInt(SafeSocketFd fd, int level, int option, int value) => setsockopt(fd, level, option, &value, sizeof(int)) == 0;

    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
}
