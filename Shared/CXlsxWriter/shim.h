#ifndef KVITT_CXLSXWRITER_SHIM_H
#define KVITT_CXLSXWRITER_SHIM_H

/* libxlsxwriter (Debian's libxlsxwriter-dev): writes .xlsx files with typed cells. KvittSpreadsheet wraps it. */
#include <xlsxwriter.h>

#endif
