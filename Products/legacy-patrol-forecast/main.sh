#!/bin/sh
# Legacy patrol forecast: next month's recommended patrol hours per station.
#
# Reads $REGISTRY_INPUT/enforcement_activity.csv (month, station, arrests, citations) and writes
# $REGISTRY_OUTPUT/patrol_hours.csv. Hours = 40 base hours plus 2 per arrest and 1 per citation,
# averaged over the last three months in the file. Kept as it ran in production; see README.md.
set -eu

recommend_hours() {
    LC_ALL=C awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
        { month[$column["month"]] = 1; rows[NR] = $0 }
        END {
            count = 0
            for (m in month) months[++count] = m
            # Insertion sort: the months are few, and awk has no portable sort.
            for (i = 2; i <= count; i++) {
                value = months[i]
                for (j = i - 1; j >= 1 && months[j] > value; j--) months[j + 1] = months[j]
                months[j + 1] = value
            }
            first = count > 3 ? count - 2 : 1
            for (i = first; i <= count; i++) recent[months[i]] = 1
            window = count - first + 1
            split(months[count], parts, "-")
            next_month = parts[2] == 12 ? sprintf("%04d-01", parts[1] + 1) : sprintf("%s-%02d", parts[1], parts[2] + 1)
            for (r in rows) {
                split(rows[r], field, ",")
                if (field[column["month"]] in recent)
                    activity[field[column["station"]]] += 2 * field[column["arrests"]] + field[column["citations"]]
            }
            for (station in activity)
                printf "%s,%s,%d\n", station, next_month, 40 + int(activity[station] / window + 0.5)
        }
    ' "$1" | LC_ALL=C sort
}

{
    echo "station,month,recommended_patrol_hours"
    recommend_hours "$REGISTRY_INPUT/enforcement_activity.csv"
} > "$REGISTRY_OUTPUT/patrol_hours.csv"
