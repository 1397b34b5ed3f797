using System.Buffers;
using System.Buffers.Binary;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// What each kind of forwarded memcached request writes to a server connection
/// (<see cref="ServerConnection.Enqueue{TWriter}"/>): a ref struct with what to write and its
/// static writer (<see cref="IRequestWriter{TSelf}"/>), so queuing allocates nothing and the
/// bytes are written only when the connection accepts the request.
/// </summary>
internal sealed partial class McClientSession
{
    private static readonly ReadOnlySequence<byte> NoData = ReadOnlySequence<byte>.Empty;

    /// <summary>A text command line (without its CRLF), then its data block if any.</summary>
    private readonly ref struct TextCommand : IRequestWriter<TextCommand>
    {
        private readonly ReadOnlySpan<byte> _line;
        private readonly ref readonly ReadOnlySequence<byte> _data;

        public TextCommand(ReadOnlySpan<byte> line, ref readonly ReadOnlySequence<byte> data)
        {
            _line = line;
            _data = ref data;
        }

        /// <summary>A line alone (no data block).</summary>
        public TextCommand(ReadOnlySpan<byte> line)
            : this(line, in NoData)
        {
        }

        public static void Write(ByteBuffer output, scoped in TextCommand command)
        {
            output.Write(command._line);
            output.Write(McReplies.Crlf);
            if (!command._data.IsEmpty)
            {
                output.Write(command._data);
            }
        }
    }


    /// <summary>A meta command as forwarded (<see cref="McMetaParser.WriteForward"/>).</summary>
    private readonly ref struct MetaCommand : IRequestWriter<MetaCommand>
    {
        private readonly ReadOnlySpan<byte> _line;
        private readonly ref readonly McCommand _command;
        private readonly ref readonly ReadOnlySequence<byte> _data;

        public MetaCommand(ReadOnlySpan<byte> line, ref readonly McCommand command, ref readonly ReadOnlySequence<byte> data)
        {
            _line = line;
            _command = ref command;
            _data = ref data;
        }

        public static void Write(ByteBuffer output, scoped in MetaCommand meta)
            => McMetaParser.WriteForward(output, meta._line, in meta._command, in meta._data);
    }

    /// <summary>A client's binary packet, with <c>Opcode</c> in place of its own (<see cref="WritePacket"/>).</summary>
    private readonly ref struct BinaryPacket(ReadOnlySpan<byte> packet, byte opcode) : IRequestWriter<BinaryPacket>
    {
        private readonly ReadOnlySpan<byte> _packet = packet;
        private readonly byte _opcode = opcode;

        public static void Write(ByteBuffer output, scoped in BinaryPacket packet) => WritePacket(output, packet._packet, packet._opcode);
    }

    /// <summary>The proxy's own binary DELETE of a key.</summary>
    private readonly ref struct BinaryDelete(ReadOnlySpan<byte> key) : IRequestWriter<BinaryDelete>
    {
        private readonly ReadOnlySpan<byte> _key = key;

        public static void Write(ByteBuffer output, scoped in BinaryDelete delete)
        {
            var key = delete._key;
            var header = output.GetSpan(McBinary.HeaderLength);
            header.Clear();
            header[0] = McBinary.RequestMagic;
            header[1] = McBinary.Delete;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)key.Length);
            BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)key.Length);
            output.Advance(McBinary.HeaderLength);
            output.Write(key);
        }
    }
}
