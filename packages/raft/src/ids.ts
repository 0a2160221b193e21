/** Server identity, shared by the configuration, the errors and the transports. */

/** A unique string identifying a server for all time. */
export type ServerID = string;
/** A network address a transport can contact. */
export type ServerAddress = string;
