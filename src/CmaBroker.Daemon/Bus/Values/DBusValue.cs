using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus.Values;

/// <summary>
/// A typed D-Bus value the object tree can write as a reply argument, a property or a variant.
/// Tmds.DBus.Protocol writes with a ref struct writer, so values write themselves; equality is by
/// <see cref="Format"/>, which is how PropertiesChanged decides what changed.
/// </summary>
public abstract class DBusValue : IEquatable<DBusValue>
{
    /// <summary>The D-Bus type signature of this value ("s", "a(qy)", …).</summary>
    public abstract string Signature { get; }

    /// <summary>Writes the value (not a variant) at the writer's position.</summary>
    public abstract void Write(ref MessageWriter writer);

    /// <summary>A canonical text form (GVariant-like): equal values format equally.</summary>
    public abstract string Format();

    /// <summary>Writes the value wrapped in a variant.</summary>
    public void WriteVariant(ref MessageWriter writer)
    {
        writer.WriteSignature(Signature);
        Write(ref writer);
    }

    public bool Equals(DBusValue? other) => other is not null && other.Signature == Signature && other.Format() == Format();

    public override bool Equals(object? obj) => obj is DBusValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Signature, Format());

    public override string ToString() => Format();

    public static implicit operator DBusValue(string value) => new StringValue(value);

    public static implicit operator DBusValue(bool value) => new BoolValue(value);

    public static implicit operator DBusValue(byte value) => new ByteValue(value);

    public static implicit operator DBusValue(ushort value) => new UInt16Value(value);

    public static implicit operator DBusValue(uint value) => new UInt32Value(value);

    public static implicit operator DBusValue(ulong value) => new UInt64Value(value);

    public static implicit operator DBusValue(byte[] value) => new ByteArrayValue(value);
}
