# `lbdeploy trace --live` runs this inside the client host to send ONE packet of the traced flow:
#   python3 send-packet.py PROTO SOURCE DESTINATION SPORT DPORT
# tcp: one SYN from a raw socket (no connect, so the source port is exactly the traced one; the client's kernel
#      resets the SYN-ACK). udp: one datagram from a socket bound to SOURCE:SPORT. icmp: one echo request whose
#      identifier is SPORT (ping would pick its own).
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def send_tcp_syn(source, destination, sport, dport):
    header = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 2, 64240, 0, 0)
    pseudo = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!BBH", 0, 6, len(header))
    header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP).sendto(header, (destination, 0))


def send_udp(source, destination, sport, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((source, sport))
    s.sendto(b"lbdeploy trace --live", (destination, dport))


def send_icmp_echo(destination, identifier):
    message = struct.pack("!BBHHH", 8, 0, 0, identifier, 1) + b"lbdeploy"
    message = message[:2] + struct.pack("!H", checksum(message)) + message[4:]
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(message, (destination, 0))


def main(argv):
    if len(argv) != 6 or argv[1] not in ("tcp", "udp", "icmp"):
        sys.exit("usage: send-packet.py tcp|udp|icmp SOURCE DESTINATION SPORT DPORT")
    proto, source, destination, sport, dport = argv[1], argv[2], argv[3], int(argv[4]), int(argv[5])
    if proto == "tcp":
        send_tcp_syn(source, destination, sport, dport)
    elif proto == "udp":
        send_udp(source, destination, sport, dport)
    else:
        send_icmp_echo(destination, sport)


if __name__ == "__main__":
    main(sys.argv)
