#ifndef CSQLITESETTINGS_H
#define CSQLITESETTINGS_H

/* SQLite connection settings GRDB does not expose and Swift cannot call (sqlite3_db_config is
   variadic). The connection is passed untyped so this module declares no SQLite type that would
   clash with the one GRDB's SQLite module declares. */

/* Leaves the write-ahead log in place when the connection closes: no checkpoint on close
   (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) and no deletion of the log file (SQLITE_FCNTL_PERSIST_WAL).
   Commits already in the log stay there for the next connection; SQLite checkpoints when the log
   reaches its automatic checkpoint size. Returns SQLITE_OK (0) or the first SQLite error code. */
int registry_sqlite_keep_wal_on_close(void *connection);

#endif
