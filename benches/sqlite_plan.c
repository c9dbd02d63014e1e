/* Runs SQL statements against a SQLite file with the SQLite that agentdesk bundles, and prints
 * each one's EXPLAIN QUERY PLAN and its best wall and CPU time of five runs (all rows stepped).
 * The sqlite3 shell of the distribution is an older SQLite whose plans may differ.
 *
 *   SRC=$(ls -d ~/.cargo/registry/src/*""/libsqlite3-sys-0.38*""/sqlite3 | head -1)
 *   gcc -O2 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_THREADSAFE=0 -I$SRC \
 *       benches/sqlite_plan.c $SRC/sqlite3.c -o target/sqlite_plan -lm
 *   target/sqlite_plan desk.db benches/chat_list_statements.txt
 *
 * The statements file: "== name" lines, each followed by one statement on one line.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include "sqlite3.h"
static double now(clockid_t c){struct timespec t;clock_gettime(c,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int argc,char**argv){
  sqlite3*db; if(sqlite3_open(argv[1],&db)){fprintf(stderr,"open\n");return 1;}
  FILE*f=fopen(argv[2],"r"); static char line[200000]; char name[256]="";
  printf("sqlite %s\n", sqlite3_libversion());
  while(fgets(line,sizeof line,f)){
    line[strcspn(line,"\n")]=0;
    if(!strncmp(line,"== ",3)){strcpy(name,line+3);continue;}
    if(!*line)continue;
    char eqp[200100]; snprintf(eqp,sizeof eqp,"EXPLAIN QUERY PLAN %s",line);
    sqlite3_stmt*s; printf("== %s\n",name);
    if(sqlite3_prepare_v2(db,eqp,-1,&s,0)){printf("ERR %s\n",sqlite3_errmsg(db));continue;}
    while(sqlite3_step(s)==SQLITE_ROW) printf("   %s\n",sqlite3_column_text(s,3));
    sqlite3_finalize(s);
    double bw=1e9,bc=1e9;
    for(int i=0;i<5;i++){
      double w0=now(CLOCK_MONOTONIC),c0=now(CLOCK_PROCESS_CPUTIME_ID);
      sqlite3_prepare_v2(db,line,-1,&s,0); int n=0; while(sqlite3_step(s)==SQLITE_ROW)n++; sqlite3_finalize(s);
      double w=now(CLOCK_MONOTONIC)-w0,c=now(CLOCK_PROCESS_CPUTIME_ID)-c0; if(w<bw)bw=w; if(c<bc)bc=c;
    }
    printf("   TIME wall %.2f ms cpu %.2f ms\n",bw,bc);
  }
  return 0;
}
