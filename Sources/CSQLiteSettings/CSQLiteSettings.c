#include <sqlite3.h>
#include "CSQLiteSettings.h"

int registry_sqlite_keep_wal_on_close(void *connection) {
    sqlite3 *db = connection;
    int result = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
    if (result != SQLITE_OK) return result;
    int persist = 1;
    return sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}
