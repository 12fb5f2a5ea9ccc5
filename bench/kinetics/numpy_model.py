"""The calcikin mechanistic right-hand side (docs/model.md) written independently in NumPy, on the
closed-form chemistry (constant activity coefficients, phosphate acid-base at fixed pH, no ion pairs).

Used for two things: a cross-check of the C++ right-hand side (tests/kinetics/test_numpy_rhs.py) and the
speed comparison with SciPy's solve_ivp (bench/kinetics/numpy_vs_calcikin.py). The configuration (setup,
scales, chemistry constants, parameters) comes from the JSON printed by `kinetics_rhs_dump`.
"""
import numpy as np

LN10 = np.log(10.0)
KB = 1.380649e-23
NA = 6.02214076e23
C0 = 1000.0  # mol/m3 per unit activity


def smooth_positive(x, w):
    r = np.sqrt(x * x + w * w)
    return 0.5 * (x + r) if x >= 0 else 0.5 * w * w / (r - x)


def smooth_negative(x, w):
    # x - smooth_positive(x, w) without the cancellation, as rate::smooth_negative
    r = np.sqrt(x * x + w * w)
    return -0.5 * w * w / (r + x) if x >= 0 else 0.5 * (x - r)


def soft_floor(x, w):
    if x >= w:
        return x
    if x <= -w:
        return 0.0
    return (x + w) ** 2 / (4 * w)


def smooth_step(x, w):
    # C-infinity step 0 (x <= 0) -> 1 (x >= w), as rate::smooth_step: 1/(1 + exp(1/u - 1/(1 - u))), u = x/w.
    if not x > 0:
        return 0.0
    if not x < w:
        return 1.0
    u = x / w
    arg = 1 / u - 1 / (1 - u)
    if arg > 700:
        return 0.0
    if arg < -700:
        return 1.0
    return 1 / (1 + np.exp(arg))


def harmonic_mean(a, b):
    # as rate::harmonic_mean: 2ab/(a + b), 0 where both are 0
    return 2.0 * a * b / (a + b) if a + b > 0 else 0.0


def soft_cap(s, cap, p):
    return s / (1.0 + (s / cap) ** p) ** (1.0 / p)


class NumpyModel:
    def __init__(self, cfg):
        self.cfg = cfg
        ch = cfg["chemistry"]
        I = ch["ionic_strength"]
        davies = np.sqrt(I) / (1 + np.sqrt(I)) - 0.3 * I
        lg1 = -ch["davies_a"] * davies
        self.lg2, self.lg3 = 4 * lg1, 9 * lg1
        r1 = 10 ** (ch["log10_k_hpo4"] - ch["pH"] + self.lg3 - self.lg2)
        r2 = 10 ** (ch["log10_k_h2po4"] - 2 * ch["pH"] + self.lg3 - lg1)
        self.log_po4_fraction = -np.log10(1 + r1 + r2)
        self.log_oh = ch["log10_kw"] + ch["pH"]
        self.phases = ch["phases"]
        self.nu = np.array([p["nu"] for p in self.phases])
        self.logk = np.array([p["log10_k"] for p in self.phases])
        self.stoich = np.array([p["stoichiometry"] for p in self.phases])
        su = cfg["setup"]
        self.E = np.array(su["element_totals"])
        self.nref = su["amount_scale"]
        self.Nacp = su["acp_particles"]
        self.L = su["length_scale"]
        self.mu0ref = np.array(su["crystal_number_scale"])
        self.cphase = su["crystal_chemistry_phase"]
        self.cnames = su["crystals"]
        self.kT = KB * su["temperature"]
        self.p = cfg["parameters"]

    def chemistry(self, T):
        Ca, Mg, P = T[0], T[1], T[2]
        lca = self.lg2 + np.log10(Ca)
        lmg = self.lg2 + np.log10(Mg) if Mg > 0 else -30.0
        lpo4 = self.lg3 + np.log10(P) + self.log_po4_fraction
        si = self.nu @ np.array([lca, lmg, lpo4, self.log_oh]) - self.logk
        return si, lca, lmg

    def rhs(self, t, y):
        p, nref, L = self.p, self.nref, self.L
        nc = len(self.cnames)
        # dissolved totals = element totals - solids (+ source)
        T = self.E.copy()
        T -= self.stoich[0] * y[0] * nref
        T[0] += y[1] * nref
        T[1] -= y[1] * nref
        for c in range(nc):
            T -= self.stoich[self.cphase[c]] * y[2 + 4 * c + 3] * nref
        T[2] += p["source.phosphate.rate"] * t
        raw = T.copy()  # signed dissolved totals (the transport limit's driving force)
        for k in range(3):
            if self.E[k] > 0:
                T[k] = smooth_positive(T[k], 1e-12 * self.E[k])
        si, lca, lmg = self.chemistry(T)
        amg = 10 ** lmg
        aca = 10 ** lca
        dy = np.zeros_like(y)
        # ACP pool
        acp = self.phases[0]
        n = y[0] * nref
        mg = y[1] * nref
        npos = smooth_positive(n, p["numerics.vanishing_amount"])
        area_acp = 0.0
        if self.Nacp > 0:
            area_acp = (36 * np.pi * self.Nacp) ** (1 / 3) * (npos * acp["molar_volume"]) ** (2 / 3)
            tail = p["numerics.acp_tail_amount"]
            if tail > 0:
                area_acp *= (npos / (npos + tail)) ** (1 / 3)  # A ~ n below the tail amount
        S = 10 ** (si[0] / acp["ion_count"])
        dn = p["ACP.rate_constant"] * area_acp * (S - 1)
        alive = smooth_step(n, p["numerics.vanishing_amount"])  # a vanished pool is at rest
        if S < 1:
            dn *= alive
        x = soft_cap(smooth_positive(mg, 1e-20 * nref) / (3 * npos), 1.0, 8.0)
        D = p["ACP.mg.distribution_coefficient"]
        xnew = D * amg / (aca + D * amg + 1e-300)
        # flux composition: D_Mg rule growing, congruent dissolving, their harmonic mean at S = 1
        width = p["ACP.mg.composition_switch_width"]
        xmin = harmonic_mean(xnew, x)
        if S >= 1:
            xflux = xmin + smooth_step(S - 1, width) * (xnew - xmin)
        else:
            xflux = xmin + smooth_step(1 - S, width) * (x - xmin)
        dy[0] = dn / nref
        kex = p["ACP.mg.exchange_rate_constant"] * area_acp * alive
        dy[1] = (3 * xflux * dn + kex * (xnew - x)) / nref
        # size of the gross terms of dy[1]: the exchange term cancels near the partition
        self.gross_mg_rate = (abs(3 * xflux * dn) + kex * (xnew + x)) / nref
        kc = p["ACP.mg.langmuir_constant"] * C0 * amg
        theta_acp = kc / (1 + kc + p["ACP.mg.calcium_langmuir_constant"] * C0 * aca)
        f_acp = np.exp(-p["ACP.mg.incorporation_inhibition"] * x) * soft_floor(
            1 - p["ACP.mg.adsorption_inhibition"] * theta_acp, 1e-3)
        # crystals
        for c, name in enumerate(self.cnames):
            ph = self.phases[self.cphase[c]]
            mu = y[2 + 4 * c: 6 + 4 * c]
            if any(ph["stoichiometry"][k] > 0 and not self.E[k] > 0 for k in range(3)):
                continue  # a phase of an element the system lacks stays at rest (dy = 0)
            pre = name + "."
            Vm, nu_ions = ph["molar_volume"], ph["ion_count"]
            v = Vm / NA
            lnO = LN10 * si[self.cphase[c]]
            sigma = np.exp(lnO / nu_ions) - 1
            kc = p[pre + "mg.langmuir_constant"] * C0 * amg
            theta = kc / (1 + kc + p[pre + "mg.calcium_langmuir_constant"] * C0 * aca)
            fg = 1.0
            alpha_ref = p[pre + "mg.effectiveness"]
            if sigma > 0 and alpha_ref > 0:
                latt = p[pre + "mg.lattice_coverage"]
                excess = theta if latt <= 0 else soft_floor(theta - latt, 1e-3) / (1 - latt)
                alpha = alpha_ref * p[pre + "mg.reference_supersaturation"] / sigma
                fg = soft_floor(1 - alpha * excess, 1e-3)
            sm = p["numerics.rate_smoothing"]
            if sigma > 0:
                sc = soft_cap(sigma, p["growth.supersaturation_cap"], p["numerics.cap_sharpness"])
                flux = p[pre + "growth.rate_constant"] * sc ** p[pre + "growth.order"] * sigma / (sigma + sm)
            elif sigma < 0:
                a = -sigma
                flux = -p[pre + "dissolution.rate_constant"] * a * a / (a + sm)
            else:
                flux = 0.0
            surface_flux = flux  # before the Mg blocking
            if sigma > 0:
                flux *= fg
            # transport of each lattice element k in series with the surface reaction (docs/model.md
            # §3.5b): F = F_s / (1 + sum_k s_k F_s r / (D c_k)), c_k = T+_k (1 - Omega^(-1/s_k)) / V_w,
            # plus the deficit below the positive part refilled by diffusion, D (T_k - T+_k) / (V_w s_k r)
            Dd = p["transport.diffusion_coefficient"]
            inv_supply, deficit, blocked = 0.0, 0.0, False
            if Dd > 0:
                for k in range(3):
                    sk = ph["stoichiometry"][k]
                    if sk <= 0 or self.E[k] <= 0:
                        continue
                    deficit += smooth_negative(raw[k], 1e-12 * self.E[k]) / sk
                    if blocked:
                        continue
                    drive = T[k] * (1 - np.exp(min(-lnO / sk, 600.0))) / 1e-3
                    if (sigma > 0 and not drive > 0) or (sigma <= 0 and not drive < 0):
                        blocked = True
                        continue
                    inv_supply += sk / (Dd * drive)
                r21 = L * smooth_positive(mu[2], 1e-30) / (smooth_positive(mu[1], 1e-30) + 1e-300)
                flux = 0.0 if blocked else flux / (1 + flux * r21 * inv_supply)
                flux += Dd * deficit / (1e-3 * r21)
            G = flux * Vm
            gamma0 = p[pre + "nucleation.interfacial_energy"]
            gf = 1 + p[pre + "nucleation.mg_interfacial_energy_factor"] * theta
            B = 16 * np.pi * gamma0 ** 3 * v * v / (3 * self.kT ** 3) * gf ** 3
            cth = np.cos(p[pre + "nucleation.contact_angle"])
            fc = (2 + cth) * (1 - cth) ** 2 / 4

            def nf(barrier):
                if lnO <= 0:
                    return 0.0
                arg = barrier / lnO ** 2
                return 0.0 if arg > 700 else np.exp(-arg)

            J, size = 0.0, p["numerics.minimum_nucleus_radius"]
            if lnO > 0:
                area_own = 4 * np.pi * smooth_positive(mu[2], 1e-30) * self.mu0ref[c] * L * L
                ys = p["WH.nucleation.mg_composition_optimum"] if name == "WH" else 0.0
                acp_factor = f_acp * np.exp(-p[pre + "nucleation.mg_mismatch"] * (x - ys) ** 2)
                J = (p[pre + "nucleation.heterogeneous_prefactor"] * area_acp * alive * acp_factor * nf(fc * B)
                     + p[pre + "nucleation.secondary_prefactor"] * area_own * fg
                     * nf(p[pre + "nucleation.secondary_barrier_ratio"] * B)
                     + p[pre + "nucleation.homogeneous_prefactor"] * 1e-3 * nf(B)
                     + p[pre + "nucleation.substrate_prefactor"] * p["substrate.area"] * nf(fc * B))
                if name == "WH" and "HAP" in self.cnames:
                    # WH on HAP surfaces, in proportion to the Mg coverage of HAP (docs/model.md §3.4)
                    h = self.cnames.index("HAP")
                    kh = p["HAP.mg.langmuir_constant"] * C0 * amg
                    theta_hap = kh / (1 + kh + p["HAP.mg.calcium_langmuir_constant"] * C0 * aca)
                    area_hap = 4 * np.pi * smooth_positive(y[2 + 4 * h + 2], 1e-30) * self.mu0ref[h] * L * L
                    J += p["WH.nucleation.hap_substrate_prefactor"] * theta_hap * area_hap * fg * nf(fc * B)
                rc = 2 * gamma0 * gf * v / (self.kT * lnO)
                size = np.sqrt(rc * rc + p["numerics.minimum_nucleus_radius"] ** 2)
                if blocked:
                    J = 0.0
                elif Dd > 0:
                    J /= 1 + surface_flux * size * inv_supply  # diffusion supply of the nucleus
            j, g, l = J / self.mu0ref[c], G / L, size / L
            d = dy[2 + 4 * c: 6 + 4 * c]
            if g < 0:
                vol = smooth_positive(mu[3], 1e-20)
                surf = smooth_positive(mu[2], 1e-20)
                lmin = p["numerics.minimum_nucleus_radius"] / L  # L32 no smaller than the nucleus radius
                rel = 3 * g * surf / (vol + lmin * surf + 1e-30)
                d[:] = rel * mu + j * np.array([1, l, l * l, l ** 3])
            else:
                d[0] = j
                d[1] = g * smooth_positive(mu[0], 1e-30) + j * l
                d[2] = 2 * g * smooth_positive(mu[1], 1e-30) + j * l * l
                d[3] = 3 * g * smooth_positive(mu[2], 1e-30) + j * l ** 3
        return dy

    def crystalline_fraction(self, y):
        p_acp = self.stoich[0][2] * y[0]
        p_cr = sum(self.stoich[self.cphase[c]][2] * y[2 + 4 * c + 3] for c in range(len(self.cnames)))
        return p_cr / (p_acp + p_cr)
