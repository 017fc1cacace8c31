using System.Globalization;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>s</summary>
public sealed class StringValue(string value) : DBusValue
{
    public string Value { get; } = value;
    public override string Signature => "s";
    public override void Write(ref MessageWriter writer) => writer.WriteString(Value);
    public override string Format() => "'" + Value.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}

/// <summary>o</summary>
public sealed class ObjectPathValue(string value) : DBusValue
{
    public string Value { get; } = value;
    public override string Signature => "o";
    public override void Write(ref MessageWriter writer) => writer.WriteObjectPath(Value);
    public override string Format() => "objectpath '" + Value + "'";
}

/// <summary>b</summary>
public sealed class BoolValue(bool value) : DBusValue
{
    public bool Value { get; } = value;
    public override string Signature => "b";
    public override void Write(ref MessageWriter writer) => writer.WriteBool(Value);
    public override string Format() => Value ? "true" : "false";
}

/// <summary>y</summary>
public sealed class ByteValue(byte value) : DBusValue
{
    public byte Value { get; } = value;
    public override string Signature => "y";
    public override void Write(ref MessageWriter writer) => writer.WriteByte(Value);
    public override string Format() => "byte 0x" + Value.ToString("x2", CultureInfo.InvariantCulture);
}

/// <summary>q</summary>
public sealed class UInt16Value(ushort value) : DBusValue
{
    public ushort Value { get; } = value;
    public override string Signature => "q";
    public override void Write(ref MessageWriter writer) => writer.WriteUInt16(Value);
    public override string Format() => "uint16 " + Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>u</summary>
public sealed class UInt32Value(uint value) : DBusValue
{
    public uint Value { get; } = value;
    public override string Signature => "u";
    public override void Write(ref MessageWriter writer) => writer.WriteUInt32(Value);
    public override string Format() => "uint32 " + Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>t</summary>
public sealed class UInt64Value(ulong value) : DBusValue
{
    public ulong Value { get; } = value;
    public override string Signature => "t";
    public override void Write(ref MessageWriter writer) => writer.WriteUInt64(Value);
    public override string Format() => "uint64 " + Value.ToString(CultureInfo.InvariantCulture);
}
