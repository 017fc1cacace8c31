namespace CmaBroker.Daemon.Bus;

/// <summary>Names of the org.freedesktop.DBus.Error.* errors the object tree answers with.</summary>
public static class StandardErrors
{
    public const string Failed = "org.freedesktop.DBus.Error.Failed";
    public const string UnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
    public const string UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";
    public const string UnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
    public const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    public const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
}
