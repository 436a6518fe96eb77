// Exit codes of sysexits.h, which service managers and scripts know.

/** The configuration is invalid (EX_CONFIG). */
export const EX_CONFIG = 78;
/** A broker could not be reached or lacks what the configuration names (EX_UNAVAILABLE). */
export const EX_UNAVAILABLE = 69;
