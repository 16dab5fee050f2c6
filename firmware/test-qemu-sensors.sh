# Sourced by test-qemu.sh: the sensor, SDR, SEL, FRU and DCMI checks against the QEMU image built
# from boards/qemu-mps2-an386/test-bmc.toml (its [[sensors]] and [fru]). Uses test-qemu.sh's
# check / eventually / step / ctl and its variables (port, rundir, lanplus, viewer). Every check
# reads what the client printed (freeipmi can exit 0 on errors), never the firmware's log.
#
# The expected values are the configured ones after linearisation, value = (M * raw + B * 10^Bexp)
# * 10^Rexp: Exhaust Temp M=2 B=-20 Rexp=-1 reads 30 (off) and 33.4 (on), 12V M=5 Rexp=-2 12.10
# with thresholds 12.60 / 12.75, System Power M=4 180 W (on) / 0 W (off).

# sensors_has NAME REGEX...: the output of the last `sensors_run` matches every REGEX (one check
# each, so a failure names the line that is missing).
sensors_run() {
    sensors_out=$(timeout 30 "$@" 2>&1)
    sensors_rc=$?
}
sensors_has() {
    local name=$1 want
    shift
    for want in "$@"; do
        if grep -Eq -- "$want" <<<"$sensors_out"; then
            passed=$((passed + 1))
            echo "ok   $name: /$want/"
        else
            failed=$((failed + 1))
            echo "FAIL $name (exit $sensors_rc): wanted /$want/, got:"
            sed 's/^/     | /' <<<"$sensors_out"
        fi
    done
}
# sensors_lacks NAME REGEX: the output of the last `sensors_run` does not match.
sensors_lacks() {
    if grep -Eqi -- "$2" <<<"$sensors_out"; then
        failed=$((failed + 1))
        echo "FAIL $1: /$2/ in:"
        sed 's/^/     | /' <<<"$sensors_out"
    else
        passed=$((passed + 1))
        echo "ok   $1: no /$2/"
    fi
}

sensor_checks() {
    local a=("${lanplus[@]}" -C 17)
    local lan15=(ipmitool -I lan -H 127.0.0.1 -p "$port" -U admin -P password -N 1 -R 2)
    local viewer15=(ipmitool -I lan -H 127.0.0.1 -p "$port" -U viewer -P viewer-pw -N 1 -R 2 -L USER)
    local cache=$rundir/sdr-cache
    mkdir -p -m 700 "$cache"
    local fi=(-D LAN_2_0 -h "127.0.0.1:$port" --session-timeout=5000 --sdr-cache-directory="$cache")
    local fa=("${fi[@]}" -u admin -p password -l ADMIN)
    local dcmi=(ipmi-dcmi -D LAN_2_0 -h "127.0.0.1:$port" --session-timeout=5000 -u admin -p password -l ADMIN)

    # The host is off here (the power tests above ended with it off): the "off" readings (the
    # BMC samples power good every 2 s).
    eventually "sensors: System Power reads 0 W with the host off" "^System Power +\| 0 Watts +\| ok" 8 \
        "${a[@]}" sdr list
    sensors_run "${a[@]}" sdr list
    sensors_has "sensors: sdr list (host off)" "^Inlet Temp +\| 22 degrees C +\| ok" \
        "^Exhaust Temp +\| 30 degrees C +\| ok" "^System Fan +\| 0 RPM +\| ok" "^12V +\| 12\.10 Volts +\| ok" \
        "^System Power +\| 0 Watts +\| ok" "^Chassis Intru +\| 0x00 +\| ok" "^Pwr Unit Status " "^Sys Restart "
    # The power tests above logged their actions (the core logs them, the firmware keeps them).
    sensors_run "${a[@]}" sel list
    sensors_has "SEL: the power tests were logged" "Power Unit .*\| Power off/down +\| Asserted" \
        "Power Unit .*\| Power off/down +\| Deasserted" "System Boot Initiated .*\| Initiated by hard reset +\| Asserted"
    check "SEL: sel clear" "Clearing SEL" "${a[@]}" sel clear
    check "SEL: sel info after the clear: no entries" "^Entries +: 0$" "${a[@]}" sel info

    # A power cycle is logged, and the readings follow the host's power (sampled every 2 s).
    check "SEL: power cycle" "Chassis Power Control: Cycle" "${a[@]}" power cycle
    eventually "SEL: power status is on after the cycle" "^Chassis Power is on$" 8 "${a[@]}" power status
    check "SEL: sel list shows the power cycle" "Power Unit .*\| Power cycle +\| Asserted" "${a[@]}" sel list
    eventually "sensors: System Power reads 180 W with the host on" "^System Power +\| 180 Watts +\| ok" 8 \
        "${a[@]}" sdr list
    sensors_run "${a[@]}" sdr elist
    sensors_has "sensors: sdr elist (host on)" "^Inlet Temp +\| 01h \| ok +\| +7\.1 \| 24 degrees C" \
        "^Exhaust Temp +\| 02h \| ok +\| +7\.1 \| 33\.40 degrees C" "^System Fan +\| 03h \| ok +\| +29\.1 \| 4800 RPM" \
        "^12V +\| 04h \| ok +\| +7\.1 \| 12\.10 Volts" "^System Power +\| 05h \| ok +\| +7\.1 \| 180 Watts" \
        "^Chassis Intru +\| 06h \| ok"
    sensors_run "${a[@]}" sensor list
    sensors_has "sensors: sensor list" "^Exhaust Temp +\| 33\.400 +\| degrees C +\| ok +\| na +\| na +\| na +\| 45\.000 +\| 48\.000 +\| na" \
        "^12V +\| 12\.100 +\| Volts +\| ok( +\| na){3} +\| 12\.600 +\| 12\.750 +\| na" \
        "^System Power +\| 180\.000 +\| Watts +\| ok( +\| na){3} +\| 800\.000 +\| 900\.000"
    sensors_run "${a[@]}" sensor get 12V
    sensors_has "sensors: sensor get 12V" "Sensor Reading +: 12\.100 \(" "Upper Non-Critical +: 12\.600" \
        "Upper Critical +: 12\.750" "Status +: ok" "Assertions Enabled +: unc\+ ucr\+"

    # freeipmi: a fresh SDR cache, then the cached one.
    sensors_run ipmi-sensors "${fa[@]}" --sdr-cache-recreate
    sensors_has "freeipmi: ipmi-sensors --sdr-cache-recreate" \
        "^[0-9]+ +\| Inlet Temp +\| Temperature +\| 24\.00 +\| C +\| 'OK'" \
        "^[0-9]+ +\| Exhaust Temp +\| Temperature +\| 33\.40 +\| C +\| 'OK'" \
        "^[0-9]+ +\| System Fan +\| Fan +\| 4800\.00 +\| RPM +\| 'OK'" \
        "^[0-9]+ +\| 12V +\| Voltage +\| 12\.10 +\| V +\| 'OK'" \
        "^[0-9]+ +\| System Power +\| Other Units Based Sensor +\| 180\.00 +\| W +\| 'OK'" \
        "^[0-9]+ +\| Chassis Intru +\| Physical Security "
    sensors_lacks "freeipmi: ipmi-sensors --sdr-cache-recreate printed no error" "error|failed"
    sensors_run ipmi-sensors "${fa[@]}"
    sensors_has "freeipmi: ipmi-sensors (cached SDR)" "^[0-9]+ +\| Exhaust Temp +\| Temperature +\| 33\.40 +\| C +\| 'OK'" \
        "^[0-9]+ +\| System Power +\| Other Units Based Sensor +\| 180\.00 +\| W +\| 'OK'"
    sensors_lacks "freeipmi: ipmi-sensors (cached SDR) printed no error" "error|failed"
    sensors_run "${dcmi[@]}" --get-system-power-statistics
    sensors_has "freeipmi: ipmi-dcmi --get-system-power-statistics" "^Current Power +: 180 Watts" \
        "^Maximum Power over sampling duration +: 180 watts" "^Power Measurement +: Active"
    sensors_run "${dcmi[@]}" --get-dcmi-capability-info
    sensors_has "freeipmi: ipmi-dcmi --get-dcmi-capability-info" "^DCMI Specification Conformance +: 1\.5" \
        "^Power Management / Monitoring Support +: Available" "^Number of SEL entries +: 64"

    # FRU from [fru] (the other fields are the image's defaults).
    sensors_run "${a[@]}" fru print
    sensors_has "FRU: fru print" "Board Mfg +: bmc-fw tests" "Board Product +: QEMU MPS2 AN386" \
        "Board Serial +: FWB-TEST-0001" "Product Name +: QEMU BMC test machine" \
        "Product Serial +: FWP-TEST-0002" "Product Asset Tag +: rack-7-u12" "Chassis Type +: Rack Mount Chassis"
    sensors_run ipmi-fru "${fa[@]}"
    sensors_has "freeipmi: ipmi-fru" "FRU Board Serial Number: FWB-TEST-0001" \
        "FRU Product Serial Number: FWP-TEST-0002" "FRU Board Manufacturing Date/Time: 01/01/24 - 00:00:00"
    sensors_lacks "freeipmi: ipmi-fru printed no checksum error" "checksum|error"
    # Write FRU Data (ipmitool fru edit of a board field, same length): the store keeps it
    # across the reset below (sensor_checks_after_reset).
    check "FRU: fru edit 0 field b 2 (board serial, Write FRU Data)" \
        "Updating Field 'FWB-TEST-0001' with 'FWB-EDIT-0042'" "${a[@]}" fru edit 0 field b 2 FWB-EDIT-0042
    check "FRU: fru print shows the edited board serial" "Board Serial +: FWB-EDIT-0042" "${a[@]}" fru print 0

    # A reading changed by the test (UART1) crosses the upper thresholds and back: the events
    # are logged when the reading is taken (a client's read, as a monitoring scrape does).
    ctl sensor 2 46.2
    eventually "threshold: Exhaust Temp reads 46.2 (set by the test)" "Status +: Upper Non-Critical" 5 \
        "${a[@]}" sensor get "Exhaust Temp"
    ctl sensor 2 48
    eventually "threshold: Exhaust Temp reads 48 (upper critical)" "Status +: Upper Critical" 5 \
        "${a[@]}" sensor get "Exhaust Temp"
    ctl sensor 2 -
    eventually "threshold: Exhaust Temp back to its configured reading" "Sensor Reading +: 33\.400? .*degrees C" 5 \
        "${a[@]}" sensor get "Exhaust Temp"
    sensors_run "${a[@]}" sel elist
    sensors_has "threshold: sel elist shows the crossings" \
        "Exhaust Temp \| Upper Non-critical going high \| Asserted \| Reading 46\.20 > Threshold 45 degrees C" \
        "Exhaust Temp \| Upper Critical going high \| Asserted \| Reading 48 > Threshold 48 degrees C" \
        "Exhaust Temp \| Upper Non-critical going high \| Deasserted" \
        "Pwr Unit Status \| Power cycle \| Asserted"
    sensors_run ipmi-sel "${fa[@]}"
    sensors_has "freeipmi: ipmi-sel" "Pwr Unit Status +\| Power Unit +\| Power Cycle" \
        "Exhaust Temp +\| Temperature +\| Upper Non-critical - going high ; Sensor Reading = 46\.20 C ; Threshold = 45\.00 C"
    ctl sensor 1 na
    eventually "sensors: no reading (set by the test) prints as such" "^Inlet Temp +\| na +\|" 5 "${a[@]}" sensor list
    ctl sensor 1 -
    sensors_run "${a[@]}" sel info
    sensors_has "SEL: sel info" "^Entries +: [5-9]$" "^Overflow +: false" "^Supported Cmds +: 'Delete' 'Reserve'"

    # IPMI 1.5 and User-privilege sessions read sensors but cannot clear the SEL.
    sensors_run "${lan15[@]}" sensor get "System Power"
    sensors_has "IPMI 1.5: sensor get" "Sensor Reading +: 180 "
    sensors_run "${viewer15[@]}" sdr list
    sensors_has "IPMI 1.5, User: sdr list" "^System Power +\| 180 Watts +\| ok"
    sensors_run "${viewer15[@]}" sel clear
    sensors_has "IPMI 1.5, User: sel clear refused" "Insufficient privilege level"
    sensors_run "${viewer[@]}" sensor list
    sensors_has "User session: sensor list" "^12V +\| 12\.100 +\| Volts +\| ok"
    sensors_run "${viewer[@]}" sel clear
    sensors_has "User session: sel clear refused" "Insufficient privilege level"
    sensors_run ipmi-sensors "${fi[@]}" -u viewer -p viewer-pw -l USER
    sensors_has "freeipmi, User: ipmi-sensors" "^[0-9]+ +\| System Power +\| Other Units Based Sensor +\| 180\.00 +\| W"
    sensors_run ipmi-sel "${fi[@]}" -u viewer -p viewer-pw -l USER --clear
    step "freeipmi, User: ipmi-sel --clear fails" test "$sensors_rc" -ne 0
    sensors_run "${a[@]}" sel list
    sensors_has "SEL: still there after the refused clears" "Upper Critical going high" "Power cycle"

    # Set SEL Time (the board has no clock: it counts from 0 at boot otherwise).
    check "SEL: sel time set" "01/02/(20)?30 03:04:0[5-9]" "${a[@]}" sel time set "01/02/30 03:04:05"
    check "SEL: sel time get" "01/02/(20)?30 03:0[4-5]:[0-9]{2}" "${a[@]}" sel time get

    # Leave the host off, as the checks after this block expect.
    check "sensors: power off (back to the state before this block)" "Chassis Power Control: Down/Off" "${a[@]}" power off
    eventually "sensors: power status is off again" "^Chassis Power is off$" 8 "${a[@]}" power status
}

# After a system_reset of the board: the SEL was kept in the store.
sensor_checks_after_reset() {
    local a=("${lanplus[@]}" -C 17)
    sensors_run "${a[@]}" sel elist
    sensors_has "after reset: the SEL is kept" "Pwr Unit Status \| Power cycle \| Asserted" \
        "Exhaust Temp \| Upper Critical going high \| Asserted \| Reading 48 > Threshold 48 degrees C" \
        "Pwr Unit Status \| Power off/down \| Asserted"
    sensors_run "${a[@]}" sdr list
    sensors_has "after reset: sdr list" "^Exhaust Temp +\| (30|33\.40) degrees C +\| ok"
    # The FRU edit (Write FRU Data) is kept; the rest of the image is the build's.
    sensors_run "${a[@]}" fru print 0
    sensors_has "after reset: the FRU edit is kept (fru print)" "Board Serial +: FWB-EDIT-0042" \
        "Board Product +: QEMU MPS2 AN386" "Product Serial +: FWP-TEST-0002" "Product Asset Tag +: rack-7-u12"
    sensors_run ipmi-fru -D LAN_2_0 -h "127.0.0.1:$port" --session-timeout=5000 --sdr-cache-directory="$rundir/sdr-cache" \
        -u admin -p password -l ADMIN
    sensors_has "after reset: the FRU edit is kept (ipmi-fru)" "FRU Board Serial Number: FWB-EDIT-0042" \
        "FRU Product Serial Number: FWP-TEST-0002"
    sensors_lacks "after reset: ipmi-fru printed no checksum error" "checksum|error"
}

# An image whose config names no sensor: the board's own set (QEMU: a modelled server, host-sim's
# default set) and the default FRU. Arguments: ipmitool's -U and -P for a user of that image.
sensor_checks_board_default() {
    local a=(ipmitool -I lanplus -H 127.0.0.1 -p "$port" -N 1 -R 2 -C 17 "$@")
    sensors_run "${a[@]}" sdr list
    sensors_has "board's own sensors: sdr list" "^Inlet Temp +\| (22|24) degrees C +\| ok" \
        "^CPU Temp +\| (22|45) degrees C +\| ok" "^System Fan +\| (0|4800) RPM +\| ok" \
        "^12V +\| (0|12\.10) Volts +\| ok" "^System Power +\| (0|180) Watts +\| ok" "^Chassis Intru +\| 0x00"
    sensors_run "${a[@]}" fru print
    sensors_has "board's own sensors: default FRU" "Board Mfg +: bmc-fw" "Product Serial +: FWP[0-9A-F]{8}"
}
